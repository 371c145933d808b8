"""Trains the official VisionLSTM2 on Fashion-MNIST with vil4j's recipe, for a side-by-side comparison.

The official model code is not part of vil4j: fetch github:NX-AI/vision-lstm, put its `vision_lstm` package on
--official (a folder holding vision_lstm/), never commit it. The sample order and the crop/flip of every sample come
from `vil data-order` (the exact choices `vil train` makes), so both runs see the same data in the same order.

Usage: python3 train_official.py --official .ref --data DIR --order order.bin --epochs 6 --out result.json
"""
import argparse, gzip, json, math, sys, time
import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--official", required=True)
p.add_argument("--data", required=True)
p.add_argument("--order", required=True)
p.add_argument("--epochs", type=int, required=True)
p.add_argument("--dim", type=int, default=64)
p.add_argument("--depth", type=int, default=2)
p.add_argument("--patch", type=int, default=7)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--min-lr", type=float, default=1e-6)
p.add_argument("--warmup", type=float, default=0.05)
p.add_argument("--weight-decay", type=float, default=0.05)
p.add_argument("--label-smoothing", type=float, default=0.1)
p.add_argument("--padding", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--out", required=True)
a = p.parse_args()
sys.path.insert(0, a.official)
from vision_lstm import VisionLSTM2

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(a.seed)
dev = "cuda" if torch.cuda.is_available() else "cpu"


def idx(path, offset):
    """An IDX file, gzip-compressed (path) or plain (path without .gz)."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        with open(path[:-3], "rb") as f:
            data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=offset)


train_x = idx(f"{a.data}/train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28).astype(np.float32) / 255
train_y = idx(f"{a.data}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
test_x = idx(f"{a.data}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28).astype(np.float32) / 255
test_y = idx(f"{a.data}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
n = len(train_x)
mean, std = 0.2860, 0.3530

# the order file: per epoch, the permutation [n] then (shiftY, shiftX, flip) per dataset index [n, 3], int32 LE
raw = np.fromfile(a.order, dtype="<i4")
per_epoch = n + 3 * n
assert raw.size >= per_epoch * a.epochs, f"{a.order} holds {raw.size // per_epoch} epochs, need {a.epochs}"

gpu_x = torch.from_numpy(train_x).to(dev)
pad = a.padding
padded = F.pad(gpu_x, (pad, pad, pad, pad))  # [n, 28+2p, 28+2p]
cols = torch.arange(28, device=dev)


def augmented(indices, choices):
    """vil4j's crop-and-flip: output (y, x) reads input (y + dy, x' + dx) with x' mirrored when flipped."""
    dy, dx, flip = choices[:, 0], choices[:, 1], choices[:, 2].bool()
    ys = (torch.arange(28, device=dev)[None, :] + dy[:, None] + pad)  # [B, 28]
    xs = torch.where(flip[:, None], 27 - cols[None, :], cols[None, :]) + dx[:, None] + pad  # [B, 28]
    imgs = padded[indices]  # [B, 32, 32]
    out = imgs[torch.arange(len(indices), device=dev)[:, None, None], ys[:, :, None], xs[:, None, :]]
    return ((out - mean) / std)[:, None]


model = VisionLSTM2(dim=a.dim, depth=a.depth, patch_size=a.patch, input_shape=(1, 28, 28), output_shape=(10,),
                    pooling="bilateral_flatten", legacy_norm=True).to(dev)
decay, no_decay = [], []
for name, prm in model.named_parameters():
    (no_decay if name == "pos_embed.embed" or name.endswith(".bias") or prm.ndim <= 1 else decay).append(prm)
opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0}],
                        lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
steps_per_epoch = n // a.batch
total = steps_per_epoch * a.epochs
warm = round(a.warmup * total)


def lr_at(step):
    if step < warm:
        return a.lr * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    return a.min_lr + (a.lr - a.min_lr) * 0.5 * (1 + math.cos(math.pi * progress))


test_gpu = ((torch.from_numpy(test_x) - mean) / std)[:, None].to(dev)
test_lab = torch.from_numpy(test_y).to(dev)
lab_gpu = torch.from_numpy(train_y).to(dev)
rows, step, start = [], 0, time.time()
params = sum(p.numel() for p in model.parameters())
for epoch in range(a.epochs):
    base = epoch * per_epoch
    order = torch.from_numpy(raw[base:base + n].astype(np.int64)).to(dev)
    choices = torch.from_numpy(raw[base + n:base + per_epoch].reshape(n, 3).astype(np.int64)).to(dev)
    model.train()
    if dev == "cuda":
        torch.cuda.synchronize()
    t0 = time.time()
    loss_sum, correct = 0.0, 0
    for b in range(steps_per_epoch):
        idx_b = order[b * a.batch:(b + 1) * a.batch]
        x = augmented(idx_b, choices[idx_b])
        y = lab_gpu[idx_b]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=a.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        loss_sum += loss.item() * a.batch
        correct += (logits.argmax(1) == y).sum().item()
    if dev == "cuda":
        torch.cuda.synchronize()
    train_s = time.time() - t0
    model.eval()
    with torch.no_grad():
        hits = sum((model(test_gpu[i:i + 500]).argmax(1) == test_lab[i:i + 500]).sum().item()
                   for i in range(0, len(test_gpu), 500))
    row = dict(epoch=epoch + 1, train_loss=loss_sum / (steps_per_epoch * a.batch),
               train_accuracy=correct / (steps_per_epoch * a.batch), test_accuracy=hits / len(test_gpu),
               train_seconds=train_s, images_per_second=steps_per_epoch * a.batch / train_s)
    rows.append(row)
    print(json.dumps(row), flush=True)
result = dict(framework=f"official vision-lstm on PyTorch {torch.__version__}", device=torch.cuda.get_device_name(0)
              if dev == "cuda" else "cpu", parameters=params, wall_seconds=time.time() - start, epochs=rows)
json.dump(result, open(a.out, "w"), indent=1)
print(json.dumps(dict(final_test_accuracy=rows[-1]["test_accuracy"], wall_seconds=result["wall_seconds"])))
