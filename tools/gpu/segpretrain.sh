#!/usr/bin/env bash
# Issue 15 on the GPU machine: a Fashion-MNIST classifier first (its backbone learns the item classes on the items
# themselves, 49 tokens an item), then segmentation from its backbone (`train --task segmentation --weights`).
#   there: OUT=... tools/gpu/segpretrain.sh CLS_SECONDS SEG_SECONDS "CLS-ARGS" "SEG-ARGS"
#          (carry what tools/gpu/segment.sh names). Each stage is cut at its seconds; both write a checkpoint every
#          epoch, so a cut stage resumes in the next call (`--resume`). Writes $OUT/cls/, $OUT/seg/ and their logs.
# A classifier directory already in $OUT/cls (carried back in) is used as it is when CLS_SECONDS is 0.
# Bring the files back one by one (the device tool returns at most 8 files of 16 MiB each: round 9 lost a run's
# checkpoints in one 25 MB tar), e.g. cp $OUT/seg/checkpoint.safetensors and model.safetensors to the tool's $OUT and
# tar only the logs, configs and metrics. Round 9's calls: `OUT=/tmp/o tools/gpu/segpretrain.sh 250 265 "--model
# fmnist-93 --epochs 10" "--weights /tmp/o/cls/model.safetensors --scenes 60000 --epochs 10 --batch-size 64 --lr
# 2e-3 --pyramid-scales 4,2,1,0.5 --seed 2 --loader-threads 4"`, then the same SEG-ARGS with `--resume
# /tmp/o/seg/checkpoint.safetensors` on the still-warm machine.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
clsSeconds=$1 segSeconds=$2 clsArgs=$3 segArgs=$4
out=${OUT:?OUT}
mkdir -p "$out"
source .gpu/boot.sh >/dev/null
tools/gpu/segment.sh data
export VIL_BOOTED=1
source tools/gpu/preload.sh
data=${SEG_DATA:-/tmp/fashion-mnist}
if [ "$clsSeconds" -gt 0 ]; then
  # shellcheck disable=SC2086
  timeout "$clsSeconds" "${preload[@]}" java -Xmx16g -cp ".gpu/lib/*" org.vil4j.cli.Main train $clsArgs --data "$data" \
    --backend opencl --device gpu --out "$out/cls" > "$out/cls.log" 2>&1
  echo "classifier: rc $?"
  grep -a "test accuracy\|^|" "$out/cls.log" | tail -15
fi
if [ "$segSeconds" -gt 0 ]; then
  # shellcheck disable=SC2086
  OUT=$out SEG_TAIL=20 timeout "$segSeconds" tools/gpu/segment.sh run seg $segArgs
  echo "segmentation: rc $?"
  grep -a "^epoch [0-9]*: train" "$out/seg.log" | tail -20
fi
