#!/usr/bin/env bash
# Segmentation training on the GPU machine (issue 15), Fashion-MNIST carried beside the packed runtime.
#   here:  tools/gpu/side_by_side.sh pack && tools/gpu/segment.sh pack   (.segdata/: the four IDX files, xz)
#   there: tools/gpu/segment.sh run NAME TRAIN-ARGS...   (carry .gpu's runtime, lib, native, boot.sh, the .deb,
#          and .segdata; the golden files are not needed). Writes $OUT/NAME/ (metrics, config, log; the model too
#          unless SEG_KEEP_MODEL=0).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmd=${1:-run}; shift || true
if [ "$cmd" = pack ]; then
  set -e
  src=${VIL_DATA:-/usr/share/datasets/fashion-mnist}
  mkdir -p .segdata
  for f in "$src"/*-ubyte.gz; do
    b=$(basename "$f" .gz)
    [ -f ".segdata/$b.xz" ] || zcat "$f" | xz -9e -T2 > ".segdata/$b.xz"
  done
  exit 0
fi
name=$1; shift
out=${OUT:-/tmp/segment}
data=${SEG_DATA:-/tmp/fashion-mnist}
[ -n "${VIL_BOOTED:-}" ] || source .gpu/boot.sh >/dev/null
if [ ! -f "$data/train-images-idx3-ubyte" ]; then
  mkdir -p "$data"
  for f in .segdata/*.xz; do xz -dc "$f" > "$data/$(basename "$f" .xz)"; done
fi
preload=()
if [ -f .gpu/native/libclbuildoptions.so ]; then
  preload=(env "LD_PRELOAD=$PWD/.gpu/native/libclbuildoptions.so" "VIL4J_NV_MAXRREGCOUNT=${VIL_NV_REGCAP:-64}"
    "VIL4J_CL_PIPELINE_PASSES=${VIL_PIPELINE:-1}")
fi
mkdir -p "$out"
"${preload[@]}" java -Xmx${SEG_XMX:-16g} ${SEG_JAVA_OPTS:-} -cp ".gpu/lib/*" org.vil4j.cli.Main train --task segmentation --dataset fmnist-scenes \
  --data "$data" --backend opencl --device gpu --out "$out/$name" "$@" > "$out/$name.log" 2>&1
rc=$?
[ "${SEG_KEEP_MODEL:-1}" = 1 ] || rm -f "$out/$name/model.safetensors"
grep -v -e 'untested OpenCL' -e incubator "$out/$name.log" | grep -v "^step\|it/s\|%|" | tail -${SEG_TAIL:-6}
exit $rc
