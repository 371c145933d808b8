#!/usr/bin/env python3
"""Checks `vil export --format official` against the official PyTorch Vision-LSTM.

Loads the exported .th with the official package (`from vision_lstm import VisionLSTM2`), renames its keys as
hubconf.py does under preprocess="v2", runs the inputs that `vil predict --json --logits` wrote and prints the
largest |logit difference| against the logits our CLI computed. Exit status 1 when it exceeds --tolerance.

    bin/vil export runs/x/model.safetensors /tmp/x.th --format official
    bin/vil predict --weights runs/x/model.safetensors --json --logits img1.png img2.png > /tmp/x.json
    python3 tools/gpu/check_export.py /tmp/x.th /tmp/x.json

Only models on the reference's alternating schedule can match: the official VisionLSTM2 knows no other traversal.
Needs torch, einops and the vision_lstm package (pip install git+https://github.com/NX-AI/vision-lstm).
"""
import argparse
import json
import sys

import torch
from vision_lstm import VisionLSTM2


def hubconf_v2(sd, depth, legacy_norm):
    """The renames of hubconf.load_model(preprocess="v2"), verbatim in effect."""
    sd = {key.replace(".xlstm.", ".layer."): value for key, value in sd.items()}
    sd = {key.replace("xlstm.", ""): value for key, value in sd.items()}
    sd = {key.replace(".xlstm_norm.", ".norm."): value for key, value in sd.items()}
    sd = {key.replace(".conv1d.", ".conv."): value for key, value in sd.items()}
    for i in range(depth * 2):
        direction = "rowwise_from_top_left" if i % 2 == 0 else "rowwise_from_bot_right"
        sd = {key.replace(f"blocks.{i}.", f"blocks.{i // 2}.{direction}."): value for key, value in sd.items()}
    sd["norm.weight"] = sd.pop("post_blocks_norm.weight")
    sd["norm.bias"] = sd.pop("post_blocks_norm.bias")
    if legacy_norm:
        sd["legacy_norm.weight"] = sd.pop("head.0.weight")
        sd["legacy_norm.bias"] = sd.pop("head.0.bias")
    sd["head.weight"] = sd.pop("head.1.weight")
    sd["head.bias"] = sd.pop("head.1.bias")
    return sd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("th", help="the .th vil export --format official wrote")
    parser.add_argument("json", help="the output of vil predict --json --logits for the same model")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest |logit difference| accepted")
    args = parser.parse_args()

    with open(args.json) as f:
        ours = json.load(f)
    cfg = ours["config"]
    if cfg["version"] != "v2":
        sys.exit("only ViL v2 (VisionLSTM2) models are checked here")
    alternate = ["rowwise_from_top_left" if i % 2 == 0 else "rowwise_from_bot_right"
                 for i in range(2 * cfg["depth"])]
    if cfg["traversals"] != alternate:
        sys.exit(f"the model's traversals {sorted(set(cfg['traversals']))} do not exist in the official code")
    model = VisionLSTM2(
        dim=cfg["dim"],
        input_shape=(cfg["channels"], cfg["height"], cfg["width"]),
        patch_size=cfg["patchSize"],
        depth=cfg["depth"],
        output_shape=(cfg["numClasses"],),
        mode="classifier",
        pooling=cfg["pooling"],
        stride=None if cfg["stride"] == cfg["patchSize"] else cfg["stride"],
        legacy_norm=cfg["legacyNorm"],
        conv_kind=cfg["convKind"],
        conv_kernel_size=cfg["convKernelSize"],
        proj_bias=cfg["projBias"],
        norm_bias=cfg["normBias"],
    )
    checkpoint = torch.load(args.th, map_location="cpu")
    sd = hubconf_v2(checkpoint["state_dict"], cfg["depth"], cfg["legacyNorm"])
    model.load_state_dict(sd)
    model.eval()

    worst = 0.0
    with torch.no_grad():
        for p in ours["predictions"]:
            x = torch.tensor(p["input"], dtype=torch.float32).view(1, cfg["channels"], cfg["height"], cfg["width"])
            theirs = model(x).view(-1).double()
            mine = torch.tensor(p["logits"], dtype=torch.float64)
            diff = (theirs - mine).abs().max().item()
            worst = max(worst, diff)
            print(f"{p['image']}: max |logit difference| {diff:.3e} (official top-1 {theirs.argmax().item()}, "
                  f"ours {mine.argmax().item()})")
    print(f"max |logit difference| over {len(ours['predictions'])} image(s): {worst:.3e}")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
