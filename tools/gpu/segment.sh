#!/usr/bin/env bash
# Segmentation training on the GPU machine (issue 15), Fashion-MNIST carried beside the packed runtime.
#   here:  tools/gpu/side_by_side.sh pack && tools/gpu/segment.sh pack
#          .segdata/: the four IDX files cut to the first SEG_TRAIN_ITEMS (all 60,000) training and SEG_TEST_ITEMS
#          (3,000) test images, xz: what fits the device tool's 64 MiB beside the runtime and the repository (rounds
#          5-7 trained on the first 28,000 items, when the runtime took 28.9 MB instead of 17.1)
#   there: tools/gpu/segment.sh run NAME TRAIN-ARGS...   (carry .gpu's jre.tar.xz, lib, native, boot.sh, the .deb,
#          and .segdata; the golden files are not needed). Writes $OUT/NAME/ (metrics, config, log; the model too
#          unless SEG_KEEP_MODEL=0). Several runs at once: tools/gpu/segpar.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmd=${1:-run}; shift || true
data=${SEG_DATA:-/tmp/fashion-mnist}
if [ "$cmd" = pack ]; then
  set -e
  src=${VIL_DATA:-/usr/share/datasets/fashion-mnist}
  mkdir -p .segdata
  python3 - "$src" .segdata "${SEG_TRAIN_ITEMS:-60000}" "${SEG_TEST_ITEMS:-3000}" <<'PY'
import gzip, lzma, struct, sys
src, dst, train, test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for name, keep in (("train-images-idx3-ubyte", train), ("train-labels-idx1-ubyte", train),
                   ("t10k-images-idx3-ubyte", test), ("t10k-labels-idx1-ubyte", test)):
    raw = gzip.open(f"{src}/{name}.gz").read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    keep = min(keep, shape[0])
    per = 1
    for d in shape[1:]:
        per *= d
    body = raw[4 + 4 * dims:4 + 4 * dims + keep * per]
    header = raw[:4] + struct.pack(">I", keep) + raw[8:4 + 4 * dims]
    with open(f"{dst}/{name}.xz", "wb") as out:
        out.write(lzma.compress(header + body, preset=9 | lzma.PRESET_EXTREME))
PY
  exit 0
fi
if [ "$cmd" = data ]; then
  # the IDX files unpacked once where the runs read them
  mkdir -p "$data"
  for f in .segdata/*.xz; do
    [ -f "$data/$(basename "$f" .xz)" ] || xz -dc "$f" > "$data/$(basename "$f" .xz)"
  done
  exit 0
fi
name=$1; shift
out=${OUT:-/tmp/segment}
# segpar.sh boots and unpacks once for all its runs; a run alone does it itself
if [ -z "${VIL_BOOTED:-}" ]; then
  source .gpu/boot.sh >/dev/null
  "$0" data
fi
source tools/gpu/preload.sh
mkdir -p "$out"
"${preload[@]}" java -Xmx${SEG_XMX:-16g} ${SEG_JAVA_OPTS:-} -cp ".gpu/lib/*" org.vil4j.cli.Main train --task segmentation \
  --dataset fmnist-scenes --data "$data" --backend opencl --device gpu --out "$out/$name" "$@" > "$out/$name.log" 2>&1
rc=$?
[ "${SEG_KEEP_MODEL:-1}" = 1 ] || rm -f "$out/$name/model.safetensors"
grep -v -e 'untested OpenCL' -e incubator "$out/$name.log" | grep -v "^step\|it/s\|%|" | tail -${SEG_TAIL:-6}
exit $rc
