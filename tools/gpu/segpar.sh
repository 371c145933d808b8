#!/usr/bin/env bash
# Several segmentation runs side by side on the GPU machine (each JVM its own OpenCL context; the runs are bound by
# host work, so they share the GPU well). The runtime and the data are unpacked once, before the runs start.
#   there: tools/gpu/segpar.sh SECONDS "NAME ARGS..." ["NAME ARGS..." ...]   (carry as for tools/gpu/segment.sh;
#          one run is fine too). Every run's folder, log and output end in $OUT/segpar.tar.
set -uo pipefail
cd "$(dirname "$0")/../.."
export OUT=${OUT:-/tmp/segment}
seconds=$1; shift
source .gpu/boot.sh >/dev/null
export VIL_BOOTED=1
tools/gpu/segment.sh data
names=()
for spec in "$@"; do
  read -r name args <<< "$spec"
  names+=("$name")
  # shellcheck disable=SC2086
  SEG_TAIL=2 timeout "$seconds" tools/gpu/segment.sh run "$name" $args > "$OUT/$name.out" 2>&1 &
done
wait
for name in "${names[@]}"; do
  echo "== $name"
  grep -h "^segmentation:" "$OUT/$name.log" | cut -c1-160
  grep -h "train loss" "$OUT/$name.log"
  tail -1 "$OUT/$name.out"
done
# one file: the device tool returns only a few files a call (a run's checkpoint was lost that way)
files=()
for name in "${names[@]}"; do files+=("$name" "$name.log" "$name.out"); done
tar -C "$OUT" -cf "$OUT/segpar.tar" --ignore-failed-read "${files[@]}" && (cd "$OUT" && rm -rf "${files[@]}")
echo "runs packed into $OUT/segpar.tar"
