#!/usr/bin/env bash
# Our `vil bench` against the official PyTorch ViL on the same shapes, in ONE run on the GPU machine, and a table of
# ratios. Two halves:
#   here:  tools/gpu/side_by_side.sh pack      builds, packs a Java runtime + our jars into .gpu/ (git-ignored)
#   here:  tools/gpu/side_by_side.sh pack-baseline COMMIT   (optional) an earlier build's jars for the baseline rows
#   there: tools/gpu/side_by_side.sh run [quick|full|highres|round6|round7|round8|SPEC...]  (with .gpu and .ref carried to the GPU machine)
# The official code must sit in .ref/vision_lstm (git-ignored, never committed): a copy of the `vision_lstm` package
# of github.com/NX-AI/vision-lstm. The PyTorch timer is the project's shared torch_side.py, copied into .gpu/.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmd=${1:-run}; shift || true

if [ "$cmd" = pack ]; then
  set -e
  mvn -B -q install -DskipTests
  shared=${VIL_SHARED:-$root/../shared}
  if [ ! -f .gpu/jre.tar.xz ]; then
    # the shared pack.sh's runtime (the same modules) but without jlink's own compression, which leaves xz little to
    # find: 17.1 MB packed against 28.9, room under the device tool's 64 MiB for all of Fashion-MNIST's items
    # (tools/gpu/segment.sh); pack.sh keeps a runtime that is there
    tmp=$(mktemp -d)
    mkdir -p .gpu
    jlink --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.sql,jdk.unsupported,jdk.management \
      --strip-debug --no-man-pages --no-header-files --compress=0 --output "$tmp/jre"
    tar -C "$tmp" -cf - jre | xz -9e -T0 > .gpu/jre.tar.xz
    rm -rf "$tmp"
  fi
  "$shared/tools/gpu/pack.sh" .gpu cli/target/lib
  cp "$shared/tools/gpu/torch_side.py" .gpu/
  # the build-options library (register cap on NVIDIA; tools/gpu/native/cl_build_options.c), where gcc is here
  if command -v gcc >/dev/null && [ -f /usr/include/CL/cl.h ]; then
    tools/gpu/native/build.sh .gpu/native >/dev/null
  else
    echo "warning: no gcc or OpenCL headers: ours runs without the register cap" >&2
  fi
  # the golden cases our backbones run (the 26 MB ViL-T pair stays behind: the GPU tool ships at most 64 MiB)
  golden=${VIL4J_GOLDEN:-$shared/conformance/golden}
  mkdir -p .gpu/golden
  for f in "$golden"/*.json; do
    name=$(basename "$f" .json)
    case "$name" in vit-*|vil2-tiny-224) continue ;; esac
    cp "$f" "$golden/$name.safetensors" .gpu/golden/
  done
  [ -f .ref/vision_lstm/vision_lstm2.py ] || echo "warning: .ref/vision_lstm is missing: PyTorch rows will fail" >&2
  exit 0
fi

if [ "$cmd" = pack-baseline ]; then
  # the vil4j jars of COMMIT (default: main's previous round), built in a temporary worktree, into .gpu/lib-base
  set -e
  commit=${1:?pack-baseline COMMIT}
  tmp=$(mktemp -d)
  git worktree add -q --detach "$tmp/tree" "$commit"
  (cd "$tmp/tree" && mvn -B -q package -DskipTests -pl cli -am)
  rm -rf .gpu/lib-base && mkdir -p .gpu/lib-base && cp "$tmp/tree"/cli/target/lib/vil4j-*.jar .gpu/lib-base/
  git worktree remove --force "$tmp/tree" && rm -rf "$tmp"
  exit 0
fi

out=${OUT:-/tmp/side-by-side}
mkdir -p "$out"
source .gpu/boot.sh >/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
java_opts=(-Xmx96g ${VIL_JAVA_OPTS:-})
source tools/gpu/preload.sh
classpath=".gpu/lib/*"
bench() { # NAME ARGS...: one bench JSON per call; the profile table goes to NAME.profile.txt
  local name=$1; shift
  timeout "${VIL_BENCH_TIMEOUT:-300}" "${preload[@]}" java "${java_opts[@]}" -cp "$classpath" org.vil4j.cli.Main bench --backend opencl --device gpu \
    --output "$out/ours-$name.json" "$@" \
    2> >(grep -v -e 'untested OpenCL' -e 'incubator' > "$out/ours-$name.profile.txt") \
    || echo "ours $name failed (see $out/ours-$name.profile.txt)"
}
# without the build-options library (the JVM's signal chaining stays: docs/DESIGN.md)
plain() { local saved=("${preload[@]}"); preload=()
  [ -n "$jsig" ] && preload=(env "LD_PRELOAD=$jsig")
  bench "$@"; preload=("${saved[@]}"); }
# an earlier build's vil4j jars (tools/gpu/side_by_side.sh pack-baseline COMMIT puts them in .gpu/lib-base), in front
# of this build's third-party jars: before and after in the same call
baseline() { [ -d .gpu/lib-base ] || { echo "no .gpu/lib-base"; return; }; local saved=$classpath
  classpath=".gpu/lib-base/*:.gpu/lib/*"; bench "$@"; classpath=$saved; }
# another build's vil4j jars (.gpu/lib-NAME) in front of this build's third-party jars: `variant NAME BENCH-NAME ARGS`
variant() { local v=$1 saved=$classpath; shift; [ -d ".gpu/lib-$v" ] || { echo "no .gpu/lib-$v"; return; }
  classpath=".gpu/lib-$v/*:.gpu/lib/*"; bench "$@"; classpath=$saved; }
# run COMMAND... with one more JVM option, or with more environment for the preloaded library (VAR=VALUE words
# first): the A/B rows below are this build's bench with one setting changed
withjava() { local option=$1 saved=("${java_opts[@]}"); shift; java_opts+=("$option"); "$@"
  java_opts=("${saved[@]}"); }
withenv() { local saved=("${preload[@]}"); while [[ "${1:-}" == *=* ]]; do preload+=("$1"); shift; done; "$@"
  preload=("${saved[@]}"); }
# the tape keeping every backward temporary to the step's end (the A/B of its freeing)
keepall() { withjava -Dvil4j.tape.freeEarly=false bench "$@"; }
# the arena held to one Aparapi buffer, as before the preloaded library's large buffers (round 8)
twogib() { withjava -Dvil4j.opencl.maxArenaMiB=2047 bench "$@"; }
# the large GEMMs in their own program (WideGemm; the library shares the arena between programs); VIL_WIDE_CAP sets
# that program's register cap (none by default), VIL_ASYNC=0 keeps the host's wait after each launch
wide() { withjava -Dvil4j.opencl.wideGemm=on withenv VIL4J_CL_SHARE_ARENA=1 "VIL4J_NV_MAXRREGCOUNT_WIDE=${VIL_WIDE_CAP:-0}" \
  "VIL4J_CL_ASYNC_WIDE=${VIL_ASYNC:-1}" bench "$@"; }
# one program, as before the shared arena (round 8)
oneprogram() { withenv VIL4J_CL_SHARE_ARENA=0 bench "$@"; }
# golden cases with every cell fused (with the JVM options and environment given by withjava/withenv)
golden_fused() { "${preload[@]}" java "${java_opts[@]}" -Dvil4j.opencl.fusedMlstm=on -Dvil4j.golden=.gpu/golden \
  -cp ".gpu/lib/*" org.vil4j.cli.Main conformance --backend opencl --device gpu .gpu/golden/*.safetensors \
  > "$out/conformance-gpu-fused.txt" 2>&1; echo "conformance, every cell fused ($*): exit $?"
  tail -1 "$out/conformance-gpu-fused.txt"; }
# golden cases with every GEMM in the wide GEMM's program (threshold 0); extra env (e.g. VIL4J_CL_ASYNC_WIDE=1) first
golden_wide() { "${preload[@]}" VIL4J_CL_SHARE_ARENA=1 "$@" java -Dvil4j.opencl.wideGemm=all \
    -Dvil4j.opencl.wideGemmMinFlops=0 -Dvil4j.opencl.wideScores=on -Dvil4j.golden=.gpu/golden -cp ".gpu/lib/*" org.vil4j.cli.Main conformance \
    --backend opencl --device gpu .gpu/golden/*.safetensors > "$out/conformance-gpu-wide.txt" 2>&1
  echo "conformance, every GEMM wide $*: exit $?"; tail -1 "$out/conformance-gpu-wide.txt"; }
torch() { REF=.ref PYTHONUNBUFFERED=1 python3 .gpu/torch_side.py "$@" | tee -a "$out/torch.jsonl"; }

# VIL_SKIP_GOLDEN=1: no golden cases first (a short call on the session's last device seconds)
if [ -d .gpu/golden ] && [ "${VIL_SKIP_GOLDEN:-0}" != 1 ]; then
  "${preload[@]}" java -Dvil4j.golden=.gpu/golden -cp ".gpu/lib/*" org.vil4j.cli.Main conformance --backend opencl --device gpu \
    .gpu/golden/*.safetensors > "$out/conformance-gpu.txt" 2>&1; echo "conformance on the GPU: exit $?"
  tail -3 "$out/conformance-gpu.txt"
fi
mode=${1:-quick}
case "$mode" in
  quick)
    bench infer --model vil2-tiny --batch 1,256 --iterations 10 --profile
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    plain infer-resident-plain --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    plain anchor-plain --model fmnist-anchor --batch 128 --train --iterations 10
    bench train --model vil2-tiny --batch 32 --train --iterations 5 --profile
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10 --profile
    torch infer:tiny:1 infer:tiny:256 train:tiny:32 train:anchor:128 train:anchor:128:224:compile
    ;;
  lean)
    # the headline rows only: ViL-T inference (input on the device) and the anchor's training step
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10 --profile
    torch infer:tiny:1 infer:tiny:256 train:anchor:128:224:compile
    ;;
  round5)
    # the closing run of round 5: inference, both training rows, and PyTorch's fp32, tf32 and compile where they run
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    bench train --model vil2-tiny --batch 32 --train --iterations 5
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10 --profile
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32 train:anchor:128 \
      train:anchor:128:224:compile
    ;;
  round6)
    # round 6: this build against a baseline build (pack-baseline) in the same call, the tape's freeing A/B, PyTorch
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    baseline base-infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    bench train --model vil2-tiny --batch 32 --train --iterations 5
    keepall train-keepall --model vil2-tiny --batch 32 --train --iterations 5
    baseline base-train --model vil2-tiny --batch 32 --train --iterations 5
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10 --profile
    baseline base-anchor --model fmnist-anchor --batch 128 --train --iterations 10
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32 train:anchor:128 \
      train:anchor:128:224:compile
    ;;
  round7)
    # round 7's launch cuts of the training step (split counts, shared-pass parameter gradients, transposed head-wise
    # reads), counted on PoCL only: this build against the one before them (pack-baseline 1bbe73e), and PyTorch
    bench train --model vil2-tiny --batch 32 --train --iterations 5
    baseline base-train --model vil2-tiny --batch 32 --train --iterations 5
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    baseline base-anchor --model fmnist-anchor --batch 128 --train --iterations 10
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    torch train:tiny:32 train:anchor:128 train:anchor:128:224:compile infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  round8)
    # round 8: arenas past 2 GiB (the preloaded library's large buffers) against the same build held to 2 GiB and the
    # round-6 build (pack-baseline 1bbe73e: before round 7's launch cuts), and PyTorch, all in one call
    bench train --model vil2-tiny --batch 32 --train --iterations 5
    twogib train-2g --model vil2-tiny --batch 32 --train --iterations 5
    baseline base-train --model vil2-tiny --batch 32 --train --iterations 5
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    baseline base-anchor --model fmnist-anchor --batch 128 --train --iterations 10
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    torch train:tiny:32 train:tiny:128 train:anchor:128 infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 \
      train:anchor:128:224:compile
    ;;
  wide8)
    # the large GEMMs in a program of their own (round 8): golden cases with every GEMM there, then A/B in one call
    golden_wide VIL4J_CL_ASYNC_WIDE=0
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    wide infer-wide --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    VIL_WIDE_CAP=128 wide infer-wide128 --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    wide infer-wide-profile --model vil2-tiny --batch 256 --iterations 3 --input-on-device --profile
    bench train --model vil2-tiny --batch 32 --train --iterations 5
    wide train-wide --model vil2-tiny --batch 32 --train --iterations 5
    wide train-wide-profile --model vil2-tiny --batch 32 --train --iterations 2 --profile
    torch infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32
    ;;
  wide8b)
    # the wide GEMM at its default threshold (2^32 flops), with the gathered residual; golden cases with every GEMM there
    golden_wide VIL4J_CL_ASYNC_WIDE=0
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    wide infer-wide --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-resident-2 --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    wide infer-wide-2 --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    wide train128-wide --model vil2-tiny --batch 128 --train --iterations 3
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:128 train:tiny:128:224:tf32
    ;;
  check8)
    # the last kernel change (128x64 tiles taken out again) on the GPU: golden cases with every GEMM wide, one bench
    golden_wide VIL4J_CL_ASYNC_WIDE=1
    bench infer-resident --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    ;;
  profile8final)
    # the final build's per-op profile at b256 (the profile waits for each wide launch)
    bench infer-profile --model vil2-tiny --batch 256 --iterations 5 --input-on-device --profile
    ;;
  ln8)
    # the one-pass layer norm (this build) against the build before it (pack-baseline HEAD~1), alternating, ViL-T b256
    baseline base-infer-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    baseline base-infer-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench infer-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    torch infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  round8final)
    # round 8's closing table: the default build (arena past 2 GiB, wide forward GEMMs, asynchronous) against itself in
    # one program, alternating, and PyTorch's rows, in one call
    oneprogram infer-one-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    oneprogram infer-one-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench infer-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    oneprogram train128-one --model vil2-tiny --batch 128 --train --iterations 3
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32 train:tiny:128 train:anchor:128 \
      train:anchor:128:224:compile
    ;;
  wide8c)
    # the wide GEMM without the host's wait after each of its launches (VIL4J_CL_ASYNC_WIDE=1), A/B pairs alternating
    golden_wide VIL4J_CL_ASYNC_WIDE=1
    bench infer-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    wide infer-wide-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    wide infer-wide-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    VIL_ASYNC=0 wide infer-wide-sync --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    wide train128-wide --model vil2-tiny --batch 128 --train --iterations 3
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    java_opts+=(-Dvil4j.opencl.wideGemmMinFlops=268435456)
    wide train32-wide28 --model vil2-tiny --batch 32 --train --iterations 5
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32 train:tiny:128
    ;;
  profile8)
    # where the round-7 build held to 2 GiB loses to the round-6 build (round 8's first call: 197.7 against 189.1 ms):
    # the per-op profiles of both, then longer timings of both, alternating
    twogib train-2g --model vil2-tiny --batch 32 --train --iterations 3 --profile
    baseline base-train --model vil2-tiny --batch 32 --train --iterations 3 --profile
    bench train --model vil2-tiny --batch 32 --train --iterations 3 --profile
    twogib train-2g-a --model vil2-tiny --batch 32 --train --iterations 10
    baseline base-train-a --model vil2-tiny --batch 32 --train --iterations 10
    twogib train-2g-b --model vil2-tiny --batch 32 --train --iterations 10
    baseline base-train-b --model vil2-tiny --batch 32 --train --iterations 10
    ;;
  round10base)
    # round 10's first call: the lean records (round 9, never timed on a GPU) against the round-8 records
    # (-Dvil4j.tape.lean=false) at b32, batch 128 without recomputation, the b256 profile, and PyTorch, in one call
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    withjava -Dvil4j.tape.lean=false bench train32-records8 --model vil2-tiny --batch 32 --train --iterations 5
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3 --recompute-activations never
    withjava -Dvil4j.tape.lean=false bench train128-records8 --model vil2-tiny --batch 128 --train --iterations 3
    bench infer-b --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    torch train:tiny:32 train:tiny:128 infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32 \
      train:tiny:128:224:compile
    ;;
  fused10)
    # round 10: the fused mLSTM (one launch for prefix, scores, values and the output norm) against the three-pass cell
    # (-Dvil4j.opencl.fusedMlstm=off), alternating, the profile of each, the b128 training profile, and PyTorch
    bench infer-fused-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-fused-b --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device --profile
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    bench train128-profile --model vil2-tiny --batch 128 --train --iterations 2 --warmup 1 --profile
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  fused10b)
    # round 10: the fused mLSTM in a program of its own, against the three-pass cell, alternating; its register cap
    bench infer-fused-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-a --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench infer-fused-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    withenv VIL4J_NV_MAXRREGCOUNT_FUSED=80 bench infer-fused-cap80 --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    withjava -Dvil4j.opencl.fusedMlstmMinFlops=0 bench infer-fused-b1 --model vil2-tiny --batch 1 --iterations 10 --input-on-device
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    withjava -Dvil4j.opencl.fusedMlstm=off bench train32-3pass --model vil2-tiny --batch 32 --train --iterations 5
    torch infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  fused10c)
    # round 10: the fused mLSTM's second kernel (96-wide q/k slices, 32-key V slices: 7 barriers a key tile, not 15);
    # golden cases with every cell fused (threshold 0), then A/B against the three passes, alternating
    "${preload[@]}" java -Dvil4j.opencl.fusedMlstmMinFlops=0 -Dvil4j.golden=.gpu/golden -cp ".gpu/lib/*" \
      org.vil4j.cli.Main conformance --backend opencl --device gpu .gpu/golden/*.safetensors \
      > "$out/conformance-gpu-fused.txt" 2>&1; echo "conformance, every cell fused: exit $?"
    tail -1 "$out/conformance-gpu-fused.txt"
    bench infer-fused-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-a --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    bench infer-fused-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    withjava -Dvil4j.opencl.fusedMlstm=off bench infer-3pass-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstmMinFlops=0 bench infer-fused-b1 --model vil2-tiny --batch 1 --iterations 10 --input-on-device
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    withjava -Dvil4j.opencl.fusedMlstm=off bench train32-3pass --model vil2-tiny --batch 32 --train --iterations 5
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  scores10)
    # round 10: the mLSTM's score products in the wide GEMM's program (128x128 tiles, the decay in its epilogue)
    # against the main program's 64x64 tiles (-Dvil4j.opencl.wideScores=off), alternating; golden cases with every
    # GEMM there first
    golden_wide VIL4J_CL_ASYNC_WIDE=1
    withjava -Dvil4j.opencl.wideScores=on bench infer-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.wideScores=off bench infer-main-a --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.wideScores=on bench infer-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device --profile
    withjava -Dvil4j.opencl.wideScores=off bench infer-main-b --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.wideScores=on bench infer-c --model vil2-tiny --batch 64,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.fusedMlstm=on bench infer-fused --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    torch infer:tiny:1 infer:tiny:64 infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  staging10)
    # round 10: small uploads through a fixed staging array (the batch's buffer no longer made anew each step),
    # this build against round 9's (pack-baseline HEAD), alternating, and PyTorch's training rows
    bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    baseline base-train128 --model vil2-tiny --batch 128 --train --iterations 3
    bench train32 --model vil2-tiny --batch 32 --train --iterations 5
    baseline base-train32 --model vil2-tiny --batch 32 --train --iterations 5
    bench train128-b --model vil2-tiny --batch 128 --train --iterations 3
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    baseline base-anchor --model fmnist-anchor --batch 128 --train --iterations 10
    torch train:tiny:32 train:tiny:128 train:anchor:128
    ;;
  round11)
    # round 11, first call: the block norm in the up-projection's prologue (a build since taken out:
    # -Dvil4j.opencl.normPrologue) and the main program's executes without their final host wait
    # (VIL4J_CL_ASYNC_MAIN=1), alone and with the fused mLSTM, against round 10's default; run with VIL_ASYNC_MAIN=1
    withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstmMinFlops=0 golden_fused
    r10=(-Dvil4j.opencl.normPrologue=off)
    withenv VIL4J_CL_ASYNC_MAIN=0 withjava "${r10[@]}" bench infer-r10-a --model vil2-tiny --batch 1,256 \
      --iterations 10 --input-on-device
    withenv VIL4J_CL_ASYNC_MAIN=0 bench infer-norm-a --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withenv VIL4J_CL_ASYNC_MAIN=1 bench infer-norm-async-a --model vil2-tiny --batch 1,256 --iterations 10 \
      --input-on-device
    withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstm=on bench infer-all-a --model vil2-tiny \
      --batch 256 --iterations 10 --input-on-device --profile
    withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstm=on bench infer-all-b --model vil2-tiny \
      --batch 256 --iterations 10 --input-on-device
    withenv VIL4J_CL_ASYNC_MAIN=1 bench infer-norm-async-b --model vil2-tiny --batch 256 --iterations 10 \
      --input-on-device
    withenv VIL4J_CL_ASYNC_MAIN=0 withjava "${r10[@]}" bench infer-r10-b --model vil2-tiny --batch 256 \
      --iterations 10 --input-on-device
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32
    withenv VIL4J_CL_ASYNC_MAIN=1 bench train128 --model vil2-tiny --batch 128 --train --iterations 3
    ;;
  round11b)
    # round 11, second call: the prologue taken out again; the main program's executes without their final host wait
    # (VIL4J_CL_ASYNC_MAIN=1), alone and with the fused mLSTM, against round 10's default, alternating, the profile of
    # that default; golden cases with it (run the call with VIL_ASYNC_MAIN=1) and with every cell fused
    withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstmMinFlops=0 golden_fused
    base=(withenv VIL4J_CL_ASYNC_MAIN=0 withjava -Dvil4j.opencl.fusedMlstm=off)
    async=(withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstm=off)
    fusedasync=(withenv VIL4J_CL_ASYNC_MAIN=1 withjava -Dvil4j.opencl.fusedMlstm=on)
    resident=(--model vil2-tiny --iterations 10 --input-on-device)
    "${base[@]}" bench infer-default-a --batch 1,256 "${resident[@]}"
    "${async[@]}" bench infer-async-a --batch 1,256 "${resident[@]}"
    "${fusedasync[@]}" bench infer-fused-async-a --batch 256 "${resident[@]}"
    "${fusedasync[@]}" bench infer-fused-async-b --batch 256 "${resident[@]}"
    "${async[@]}" bench infer-async-b --batch 256 "${resident[@]}"
    "${base[@]}" bench infer-default-b --batch 256 "${resident[@]}" --profile
    "${fusedasync[@]}" withjava -Dvil4j.opencl.fusedMlstmMinFlops=0 bench infer-fused-async-b1 --batch 1 \
      "${resident[@]}"
    torch infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  round14)
    # round 14: the backward's plain products in the wide program where they fill its range (-Dvil4j.opencl.wideGemm=all,
    # at least a 128x128 tile a work-group) against the default (forward projections only), ViL-T training without
    # recomputation, the profile of each; round 13's launch cuts (resampling kernel, the gates' input gradients in one
    # launch) against round 12's build (pack-baseline 516a2b8 first)
    never=(--model vil2-tiny --batch 32,128 --train --iterations 3 --recompute-activations never)
    bench train-auto "${never[@]}" --profile
    withjava -Dvil4j.opencl.wideGemm=all bench train-all "${never[@]}" --profile
    baseline anchor-base --model fmnist-anchor --batch 128 --train --iterations 10
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    baseline infer-base --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    torch train:tiny:32 train:tiny:128 train:anchor:128 infer:tiny:1 infer:tiny:256
    ;;
  reduce14)
    # round 14, second call: column reductions of few rows a work-item per column (split-K partials), against the
    # build before it (pack-baseline 24cc0d6), ViL-T training b32 and b128, the new build's profile, and its b128 step
    # with the batch resident (--input-on-device, as torch_side.py's); PyTorch's training in the same call
    steps=(--model vil2-tiny --batch 32,128 --train --iterations 3 --recompute-activations never)
    baseline train-base "${steps[@]}"
    bench train-new "${steps[@]}" --profile
    bench train-resident --model vil2-tiny --batch 128 --train --iterations 3 --input-on-device
    torch train:tiny:32 train:tiny:128
    ;;
  partials14)
    # round 14, third call (short: the session's last device seconds): weight gradients of few output rows as chunked
    # partial sums (ViL's 4 x 4 head-wise blocks and the gates) against the build before (pack-baseline 1cc2328)
    baseline train-base --model vil2-tiny --batch 32 --train --iterations 3 --recompute-activations never
    bench train-new --model vil2-tiny --batch 32,128 --train --iterations 3 --recompute-activations never
    torch train:tiny:32
    ;;
  order14)
    # round 14's open question: ViL-T b1 took 7.2 ms with round 12's build and 8.4-8.5 with round 14's, the older
    # build first both times; alternated here, this build first (pack-baseline 516a2b8)
    resident=(--model vil2-tiny --batch 1,256 --iterations 20 --input-on-device)
    bench infer-new-a "${resident[@]}"
    baseline infer-base-a "${resident[@]}"
    bench infer-new-b "${resident[@]}"
    baseline infer-base-b "${resident[@]}"
    torch infer:tiny:1 infer:tiny:256
    ;;
  round15)
    # round 15 (pack-baseline 1cc2328): the few-row weight gradients (round 14, untimed) against the build before
    # them; the mLSTM backward's per-head products in the wide program (it now takes causal ones: wideGemm=all with
    # a lower flops bound, as ViL-T's chunks of 36 samples make 1.1 GFLOP products); the backward's scratch for the
    # whole batch of 128 in one chunk (mlstmScratchMiB=256) with and without; ViL-T training, batch resident
    steps=(--model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device)
    wideall=(withjava -Dvil4j.opencl.wideGemm=all withjava -Dvil4j.opencl.wideGemmMinFlops=536870912)
    scratch=(withjava -Dvil4j.opencl.mlstmScratchMiB=256)
    shapes=(withjava -Dvil4j.opencl.profileShapes=true)
    torch train:tiny:32 train:tiny:128
    baseline train-base "${steps[@]}"
    bench train-new "${steps[@]}"
    "${wideall[@]}" bench train-wideall "${steps[@]}"
    "${scratch[@]}" bench train-scratch "${steps[@]}"
    "${scratch[@]}" "${wideall[@]}" bench train-wideall-scratch "${steps[@]}"
    "${shapes[@]}" bench train-new-profile --model vil2-tiny --batch 128 --train --iterations 2 --input-on-device \
      --profile
    "${shapes[@]}" "${scratch[@]}" "${wideall[@]}" bench train-wideall-scratch-profile --model vil2-tiny --batch 128 \
      --train --iterations 2 --input-on-device --profile
    ;;
  round15b)
    # round 15, second call (pack-baseline 64a22da, round 14's last build): the backward's row ops a segment of 32
    # work-items per row (layer norm, the mLSTM's rows and their scan), column sums of many rows in blocks of 8
    # columns, the mLSTM backward's scratch for a whole batch of 128 (default 256 MiB; 64 as before for the A/B)
    steps=(--model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device)
    torch train:tiny:32 train:tiny:128 train:anchor:128
    baseline train-base "${steps[@]}"
    bench train-new "${steps[@]}"
    withjava -Dvil4j.opencl.mlstmScratchMiB=64 bench train-new-s64 "${steps[@]}"
    baseline anchor-base --model fmnist-anchor --batch 128 --train --iterations 10
    bench anchor-new --model fmnist-anchor --batch 128 --train --iterations 10
    withjava -Dvil4j.opencl.profileShapes=true bench train-new-profile --model vil2-tiny --batch 128 --train \
      --iterations 2 --input-on-device --profile
    ;;
  round15c)
    # round 15, third call: the many-row column sums' block width (-Dvil4j.opencl.columnBlock: 1 is a work-group a
    # column as before; 8 the default) now that each work-item keeps four loads in flight; the step with the batch
    # uploaded and resident, and inference, for the README's rows
    steps=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    torch train:tiny:32 train:tiny:128 infer:tiny:1 infer:tiny:256
    for block in 1 4 8 32; do withjava -Dvil4j.opencl.columnBlock=$block bench train-block$block "${steps[@]}"; done
    bench train-resident --model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device
    bench train --model vil2-tiny --batch 32,128 --train --iterations 4
    bench infer-resident --model vil2-tiny --batch 1,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.profileShapes=true bench train-profile --model vil2-tiny --batch 128 --train \
      --iterations 2 --input-on-device --profile
    ;;
  round15d)
    # round 15, last call: partial sums chunked for ~128K work-items (the depthwise weight gradient had 4 chunks),
    # the column block's default 4 against 8, and the README's rows: training with the batch uploaded
    # each step and resident, inference at 1, 64 and 256, the anchor
    steps=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    torch train:tiny:32 train:tiny:128 train:anchor:128 infer:tiny:1 infer:tiny:64 infer:tiny:256 \
      infer:tiny:256:224:tf32
    bench train-block4-a "${steps[@]}"
    withjava -Dvil4j.opencl.columnBlock=8 bench train-block8-a "${steps[@]}"
    bench train-resident --model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device
    bench train --model vil2-tiny --batch 32,128 --train --iterations 4
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 20
    bench infer-resident --model vil2-tiny --batch 1,64,256 --iterations 10 --input-on-device
    withjava -Dvil4j.opencl.profileShapes=true bench train-profile --model vil2-tiny --batch 128 --train \
      --iterations 2 --input-on-device --profile
    ;;
  anchor15)
    # round 15: the fmnist-anchor training step against torch.compile in the same call (the issue's 7,398 img/s is
    # round 10's); ours before and after PyTorch's
    bench anchor-a --model fmnist-anchor --batch 128 --train --iterations 20
    torch train:anchor:128 train:anchor:128:224:compile
    bench anchor-b --model fmnist-anchor --batch 128 --train --iterations 20
    ;;
  upload15)
    # round 15, the session's last device seconds: a training batch's upload (77 MB at 128) in chunks through a fixed
    # staging array (-Dvil4j.opencl.uploadChunkFloats) against one whole copy (the default)
    up=(--model vil2-tiny --batch 128 --train --iterations 3)
    withjava -Dvil4j.opencl.uploadChunkFloats=1048576 bench upload-chunk1m "${up[@]}"
    bench upload-whole "${up[@]}"
    withjava -Dvil4j.opencl.uploadChunkFloats=4194304 bench upload-chunk4m "${up[@]}"
    ;;
  round16)
    # round 16: GEMM tiles cut by the product's end (a 196-token cell's last row tile computes 1 of 4 row groups,
    # 96-wide heads' second column tile 2 of 4) and dk, dv's products starting at each row tile's first row; the
    # baseline (pack-baseline e94f930) and this build alternating, then each profiled
    torch train:tiny:128 infer:tiny:1 infer:tiny:256 infer:tiny:256:224:tf32
    res=(--model vil2-tiny --batch 1,256 --iterations 10 --input-on-device)
    trn=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    baseline infer-base-a "${res[@]}"
    bench infer-new-a "${res[@]}"
    baseline train-base-a "${trn[@]}"
    bench train-new-a "${trn[@]}"
    baseline infer-base-b "${res[@]}"
    bench infer-new-b "${res[@]}"
    baseline train-base-b "${trn[@]}"
    bench train-new-b "${trn[@]}"
    withjava -Dvil4j.opencl.profileShapes=true bench infer-profile --model vil2-tiny --batch 256 --iterations 2 \
      --input-on-device --profile
    withjava -Dvil4j.opencl.profileShapes=true bench train-profile --model vil2-tiny --batch 128 --train \
      --iterations 2 --input-on-device --profile
    ;;
  round16b)
    # round 16, call 2: the GEMM tiles' K rows padded (this build, with the plain add's fast path) and, in .gpu/lib-a4,
    # padded with a work-item's four A rows side by side, against the last build without (pack-baseline that
    # commit), in turn; then each profiled
    torch train:tiny:128 infer:tiny:256 infer:tiny:256:224:tf32
    res=(--model vil2-tiny --batch 1,256 --iterations 10 --input-on-device)
    trn=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    for round in a b; do
      baseline infer-base-$round "${res[@]}"
      bench infer-new-$round "${res[@]}"
      variant a4 infer-a4-$round "${res[@]}"
      baseline train-base-$round "${trn[@]}"
      bench train-new-$round "${trn[@]}"
      variant a4 train-a4-$round "${trn[@]}"
    done
    prof=(--model vil2-tiny --batch 256 --iterations 2 --input-on-device --profile)
    tprof=(--model vil2-tiny --batch 128 --train --iterations 2 --input-on-device --profile)
    withjava -Dvil4j.opencl.profileShapes=true bench infer-profile "${prof[@]}"
    withjava -Dvil4j.opencl.profileShapes=true variant a4 infer-a4-profile "${prof[@]}"
    withjava -Dvil4j.opencl.profileShapes=true bench train-profile "${tprof[@]}"
    withjava -Dvil4j.opencl.profileShapes=true variant a4 train-a4-profile "${tprof[@]}"
    ;;
  round16final)
    # round 16's closing call: the README's rows with this build, PyTorch in the same call
    torch infer:tiny:1 infer:tiny:64 infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:32 train:tiny:128 \
      train:anchor:128 train:anchor:128:224:compile
    bench infer-resident --model vil2-tiny --batch 1,64,256 --iterations 10 --input-on-device
    bench train-resident --model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device
    bench train --model vil2-tiny --batch 128 --train --iterations 3
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 20
    ;;
  round16c)
    # round 16's last device seconds (golden cases ran in round16b with this build): the anchor against torch.compile,
    # the README's other rows, then the padded build at register cap 80 against 64
    torch train:anchor:128 train:anchor:128:224:compile
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 20
    torch infer:tiny:1 infer:tiny:64 train:tiny:32
    bench infer-resident --model vil2-tiny --batch 1,64,256 --iterations 10 --input-on-device
    bench train-resident --model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device
    bench train --model vil2-tiny --batch 128 --train --iterations 3
    withenv VIL4J_NV_MAXRREGCOUNT=80 bench infer-cap80 --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    withenv VIL4J_NV_MAXRREGCOUNT=80 bench train-cap80 --model vil2-tiny --batch 128 --train --iterations 4 \
      --input-on-device
    ;;
  round16d)
    # round 16's last seconds: the headline rows, each next to PyTorch's in the same call
    bench train-resident --model vil2-tiny --batch 128 --train --iterations 4 --input-on-device
    torch train:tiny:128
    bench infer-resident --model vil2-tiny --batch 256 --iterations 10 --input-on-device
    torch infer:tiny:256 infer:tiny:256:224:tf32
    ;;
  round17)
    # round 16's gradient sums written by the producing ops (this build) against the build before them (pack-baseline
    # 1d8d67e), alternating, then this build's training profile; PyTorch's rows in the same call
    torch train:tiny:128 train:tiny:32 infer:tiny:256 infer:tiny:256:224:tf32
    res=(--model vil2-tiny --batch 256 --iterations 10 --input-on-device)
    trn=(--model vil2-tiny --batch 32,128 --train --iterations 4 --input-on-device)
    for round in a b; do
      baseline infer-base-$round "${res[@]}"
      bench infer-new-$round "${res[@]}"
      baseline train-base-$round "${trn[@]}"
      bench train-new-$round "${trn[@]}"
    done
    bench train-profile --model vil2-tiny --batch 128 --train --iterations 2 --input-on-device --profile
    ;;
  round18)
    # the GEMMs' software pipelining: HEAD's build (.gpu/lib-base), the wide program's alone (.gpu/lib-wide) and both
    # programs' (this build), alternating; the registers and spills the compiler gives each program; PyTorch's rows
    # in the same call
    torch infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:128
    withenv VIL4J_CL_BUILD_LOG=1 VIL4J_CL_BUILD_OPTIONS=-cl-nv-verbose bench build-log --model vil2-tiny --batch 256 \
      --iterations 1 --input-on-device
    grep -h -i -E "registers|spill|program|options" "$out/ours-build-log.profile.txt" | head -40
    res=(--model vil2-tiny --batch 256 --iterations 10 --input-on-device)
    trn=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    for round in a b; do
      variant base infer-base-$round "${res[@]}"
      variant wide infer-wide-$round "${res[@]}"
      bench infer-both-$round "${res[@]}"
      variant base train-base-$round "${trn[@]}"
      variant wide train-wide-$round "${trn[@]}"
      bench train-both-$round "${trn[@]}"
    done
    withjava -Dvil4j.opencl.profileShapes=true bench infer-profile --model vil2-tiny --batch 256 --iterations 2 \
      --input-on-device --profile
    ;;
  round18b)
    # round18's main-program pipelining alone (.gpu/lib-main) and with the wide GEMM's rows and columns in runs of four
    # (this build) against HEAD's build (.gpu/lib-base), alternating; the wide program's PTX: vector local loads?
    torch infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:128
    mkdir -p "$out/ptx"
    withenv VIL4J_CL_BUILD_LOG=1 VIL4J_CL_BUILD_OPTIONS=-cl-nv-verbose "VIL4J_CL_DUMP_BINARY=$out/ptx" bench build-log \
      --model vil2-tiny --batch 256 --iterations 1 --input-on-device
    grep -h -i -E "registers|spill" "$out/ours-build-log.profile.txt"
    for f in "$out"/ptx/*.bin; do echo "$f: $(grep -c 'ld.shared.v4' "$f") ld.shared.v4, $(grep -c 'ld.shared.f32' "$f") ld.shared.f32"; done
    res=(--model vil2-tiny --batch 256 --iterations 10 --input-on-device)
    trn=(--model vil2-tiny --batch 128 --train --iterations 4 --input-on-device)
    for round in a b; do
      variant base infer-base-$round "${res[@]}"
      variant main infer-main-$round "${res[@]}"
      bench infer-head-$round "${res[@]}"
      variant base train-base-$round "${trn[@]}"
      variant main train-main-$round "${trn[@]}"
      bench train-head-$round "${trn[@]}"
    done
    withjava -Dvil4j.opencl.wideScores=on bench infer-widescores "${res[@]}"
    withjava -Dvil4j.opencl.wideGemm=all bench train-wideall "${trn[@]}"
    withjava -Dvil4j.opencl.profileShapes=true bench infer-profile --model vil2-tiny --batch 256 --iterations 2 \
      --input-on-device --profile
    ;;
  round18c)
    # every GEMM of the golden cases in the wide program (its runs of four), this build's batch 1 and the anchor step
    golden_wide VIL4J_CL_ASYNC_WIDE=1
    bench infer-b1 --model vil2-tiny --batch 1 --iterations 10 --input-on-device
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 10
    torch infer:tiny:1 train:anchor:128 train:anchor:128:224:compile
    ;;
  round18d)
    # the final build (one load helper for both GEMM operands) against HEAD before the round (.gpu/lib-base)
    torch infer:tiny:256 infer:tiny:256:224:tf32 train:tiny:128
    res=(--model vil2-tiny --batch 256 --iterations 10 --input-on-device)
    for round in a b; do
      variant base infer-base-$round "${res[@]}"
      bench infer-head-$round "${res[@]}"
    done
    variant base train-base --model vil2-tiny --batch 128 --train --iterations 4 --input-on-device
    bench train-head --model vil2-tiny --batch 128 --train --iterations 4 --input-on-device
    ;;
  full)
    bench infer --model vil2-tiny --batch 1,64,256 --iterations 10 --profile
    bench infer-resident --model vil2-tiny --batch 1,64,256 --iterations 10 --input-on-device
    bench train --model vil2-tiny --batch 32,128 --train --iterations 5 --profile
    # the batch resident, as torch_side.py's (made on the GPU): the same step without the upload
    bench train-resident --model vil2-tiny --batch 32,128 --train --iterations 5 --input-on-device
    bench anchor --model fmnist-anchor --batch 128 --train --iterations 20 --profile
    torch infer:tiny:1 infer:tiny:64 infer:tiny:256 infer:tiny:256:224:tf32 infer:tiny:256:224:bf16 \
      train:tiny:32 train:tiny:128 train:tiny:128:224:tf32 train:anchor:128 train:tiny:128:224:compile \
      train:anchor:128:224:compile
    ;;
  highres)
    # issue 13: the linear forms at high resolution against the official (parallel, quadratic) code, and the sweep
    bench hr-1792 --model vil2-tiny --batch 1 --input 1792x1792 --mlstm-form chunkwise --iterations 5 --input-on-device
    bench hr-896c --model vil2-tiny --batch 1 --input 896x896 --mlstm-form chunkwise --iterations 5 --input-on-device
    bench hr-896p --model vil2-tiny --batch 1 --input 896x896 --mlstm-form parallel --iterations 5 --input-on-device
    bench hr-train --model vil2-tiny --batch 8 --input 896x896 --train --iterations 3
    torch infer:tiny:1:1792 infer:tiny:1:896 train:tiny:8:896
    timeout 300 java "${java_opts[@]}" -cp ".gpu/lib/*" org.vil4j.cli.Main sweep --backend opencl --device gpu \
      --output "$out/sweep-gpu.json" --plot "$out/sweep-gpu.png" 2>&1 | grep -v -e 'untested OpenCL' -e incubator | tail -30
    ;;
  *)
    torch "$@"
    ;;
esac
cat "$out"/ours-*.profile.txt
python3 tools/gpu/side_by_side_table.py "$out" | tee "$out/table.md"
# the device tool brings back at most 8 files from $OUT: more go back as one archive (round 14 lost a call's training
# profiles and PyTorch's rows to that limit, and ran the bench again to get them)
shopt -s nullglob
files=("$out"/*)
if [ ${#files[@]} -gt 8 ]; then
  (cd "$out" && tar czf results.tgz --exclude=results.tgz --exclude=table.md ./* && find . -maxdepth 1 -type f \
    ! -name results.tgz ! -name table.md -delete)
  echo "$out: ${#files[@]} files packed into results.tgz (the device tool returns at most 8)"
fi
