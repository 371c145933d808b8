"""Prints ours-vs-PyTorch ratios from one side_by_side.sh run: ours-*.json (vil bench) and torch.jsonl (torch_side)."""
import glob, json, os, sys

out = sys.argv[1]
ours = []
for f in sorted(glob.glob(os.path.join(out, "ours-*.json"))):
    ours += json.load(open(f))
torch = [json.loads(l) for l in open(os.path.join(out, "torch.jsonl")) if l.strip().startswith("{")]
gpu = next((t["gpu"] for t in torch if "gpu" in t), "?")
torch = [t for t in torch if "mode" in t]

def key(model, mode, batch, res):
    return (model, mode, batch, res)

def our_res(r):
    # our bench names its input "HxW" (square here); the anchor's torch rows carry the default 224
    size = r.get("input")
    return int(size.split("x")[0]) if size and r["model"] != "fmnist-anchor" else 224

def our_key(r):
    model = {"vil2-tiny": "tiny", "fmnist-anchor": "anchor"}.get(r["model"], r["model"])
    return key(model, "train" if r.get("mode", "").startswith("train") else "infer", r["batch"], our_res(r))

theirs = {}
for t in torch:
    theirs.setdefault(key(t["model"], t["mode"], t["batch"], t.get("res", 224)), {})[t["opts"]] = t

print(f"\n## ours (vil bench, OpenCL) vs official PyTorch, same call, {gpu}")
print("| workload | ours img/s | launches | peak GiB | " + " | ".join(
    f"torch {o}" for o in ("fp32", "tf32", "bf16", "compile")) + " | ours/fp32 | ours/tf32 | ours/compile |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in ours:
    if "error" in r:
        print(f"| {r['model']} {r.get('mode', 'infer')} b{r['batch']} | {r['error']} | | | | | | | | | |")
        continue
    k = our_key(r)
    th = theirs.get(k, {})
    def ips(o):
        t = th.get(o)
        if t is None:
            return None
        return t.get("img_per_s")
    def cell(o):
        t = th.get(o)
        if t is None:
            return "-"
        return t.get("error") or f"{t['img_per_s']:.0f} ({t['peak_gib']:.1f} GiB)"
    def ratio(o):
        v = ips(o)
        return f"{r['images_per_s'] / v:.2f}x" if v else "-"
    launches = r.get("launches_per_forward", r.get("launches_per_step"))
    mode = r.get("mode", "infer") + (" (input on device)" if r.get("input_on_device") else "")
    if "maxrregcount=" in r.get("device", ""):
        mode += " [register cap " + r["device"].split("maxrregcount=")[1].split()[0].rstrip("),") + "]"
    if "passes pipelined" in r.get("device", ""):
        mode += " [pipelined]"
    if our_res(r) != 224:
        mode += f" {our_res(r)}^2" + (f" {r['mlstm_form']}" if r.get("mlstm_form") else "")
    print(f"| {r['model']} {mode} b{r['batch']} | {r['images_per_s']:.0f} ({r['ms_median']:.1f} ms) | {launches} | "
          f"{r.get('peak_device_bytes', 0) / 2**30:.2f} | {cell('fp32')} | {cell('tf32')} | {cell('bf16')} | "
          f"{cell('compile')} | {ratio('fp32')} | {ratio('tf32')} | {ratio('compile')} |")
