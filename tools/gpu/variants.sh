#!/usr/bin/env bash
# Several builds of ours on the same bench, in one call on the GPU machine: the A/B of changes whose device time
# PoCL cannot tell. Each VARIANT is `NAME` (jars in .gpu/lib-NAME, put in front of .gpu/lib's third-party jars;
# `head` = .gpu/lib itself), optionally `NAME@CAP` for another register cap. Results: $OUT/variants/NAME.json and
# NAME.profile.txt, and a summary table on stdout.
#   here:  build jars of a commit into .gpu/lib-NAME (side_by_side.sh pack-baseline does it for lib-base)
#   there: tools/gpu/variants.sh "VARIANT ..." bench options...
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
variants=$1; shift
out=${OUT:-/tmp}/variants
mkdir -p "$out"
source .gpu/boot.sh >/dev/null
for v in $variants; do
  name=${v%@*}
  cap=64
  [ "$v" != "$name" ] && cap=${v#*@}
  cp=".gpu/lib/*"
  [ "$name" != head ] && cp=".gpu/lib-$name/*:.gpu/lib/*"
  VIL_NV_REGCAP=$cap source tools/gpu/preload.sh
  tag=${v/@/-cap}
  "${preload[@]}" java -Xmx64g -cp "$cp" org.vil4j.cli.Main bench --backend opencl --device gpu \
    --output "$out/$tag.json" "$@" 2> >(grep -v -e 'untested OpenCL' -e 'incubator' > "$out/$tag.profile.txt") \
    || echo "$tag failed"
done
python3 - "$out" $variants <<'PY'
import json, sys, os
out = sys.argv[1]
print("| variant | batch | ms | img/s | launches | peak GiB |")
print("|---|---|---|---|---|---|")
for v in sys.argv[2:]:
    f = os.path.join(out, v.replace("@", "-cap") + ".json")
    if not os.path.exists(f):
        continue
    data = json.load(open(f))
    for d in (data if isinstance(data, list) else [data]):
        print(f"| {v} | {d.get('batch')} | {d.get('ms_median')} | {d.get('images_per_s')} | "
              f"{d.get('launches_per_forward', d.get('launches_per_step'))} | {d.get('peak_device_bytes', 0) / 2**30:.2f} |")
PY
