#!/usr/bin/env bash
# Issue 15 in one machine hold: classifiers, then segmentation from each, two runs at a time, in a detached process
# session that outlives the device tool's calls (the tool ends a call's processes, except those in a new session), so
# no call boundary cuts an epoch. Three verbs, each a call of its own on the still-warm machine:
#   there: tools/gpu/segsession.sh start "NAME|CLS-ARGS|SEG-ARGS[|ENV]" [...]  [then waits SESSION_WAIT s]
#          (ENV: that pipeline's settings, e.g. VIL_ASYNC_MAIN=0 for tools/gpu/preload.sh; CLS-ARGS "-": no classifier,
#          SEG-ARGS then name their own --weights or none)
#          tools/gpu/segsession.sh stash   (a call of its own before start, carrying only .segdata and .segcls: the
#                                           two with .gpu pass the device tool's 64 MiB) unpacks the data where the
#                                           runs read it and copies .segcls/*.safetensors (classifiers kept from an
#                                           earlier session) to $SEG_WORK/cls/, for SEG-ARGS' --weights; start then
#                                           needs only .gpu's paths
#          tools/gpu/segsession.sh status [SECONDS]    waits that long (default 0), then prints each run's progress
#          tools/gpu/segsession.sh collect [SECONDS]   waits until every run ends or SECONDS pass, then copies each
#                                                      run's model files, the segmentation checkpoint and the logs
#                                                      into $OUT (3 files a pipeline and one: two pipelines fit the
#                                                      device tool's 8)
# Each NAME's classifier trains with `train CLS-ARGS`, its model then starts `train --task segmentation --weights
# CLS/model.safetensors SEG-ARGS`; the NAMEs' pipelines run side by side (the runs are bound by host work, so two
# share the GPU well: tools/gpu/segpar.sh). Carry what tools/gpu/segment.sh names. Work folder: $SEG_WORK (/tmp/seg);
# SEG_XMX: each JVM's heap (default 40g: the host keeps a copy of the device arena, and growing it to 8 GiB holds the
# old 4 GiB beside it; round 14's UperNet 64 at batch 64 did not fit 16g); SEG_DEVICE=cpu runs it on PoCL (a check before spending device time). A run whose log has not grown for SESSION_STALL
# seconds (default 180) when status or collect looks gets a thread dump (SIGQUIT: the JVM prints its threads' stacks
# into the log) and its main thread is shown: round 12's two segmentation runs logged no step for 23 minutes on the
# H200 and nothing said where they were.
set -uo pipefail
shopt -s nullglob
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=${SEG_WORK:-/tmp/seg}
data=${SEG_DATA:-/tmp/fashion-mnist}
cmd=${1:?start, stash, status or collect}; shift

progress() {
  local now
  now=$(date +%s)
  for log in "$work"/*.log; do
    local run
    run=$(basename "$log" .log)
    echo "== $run"
    grep -a "test accuracy\|^epoch [0-9]*: train\|rror\|xception" "$log" | cut -c1-200 | tail -${SESSION_TAIL:-14}
    grep -a "^epoch [0-9]*: batch" "$log" | tail -1 | cut -c1-200
    if [ ! -f "$work/$run.rc" ] && [ $(( now - $(stat -c %Y "$log") )) -gt "${SESSION_STALL:-180}" ]; then
      local pid
      pid=$(pgrep -f -- "--out $work/$run\$" | head -1)
      echo "stalled: no output for $(( now - $(stat -c %Y "$log") )) s (java pid ${pid:-none})"
      if [ -n "$pid" ]; then
        kill -QUIT "$pid"
        sleep 2
        # the main thread's frames, where the run stands
        awk '/^"main"/{on=1} on&&/^$/{exit} on' "$log" | head -40
      fi
    fi
  done
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  for done in "$work"/*.rc; do
    echo "ended: $(basename "$done" .rc) rc $(cat "$done")"
    [ "$(cat "$done")" = 0 ] || tail -2 "${done%.rc}.log" | cut -c1-300
  done
  echo "elapsed since start: $(( $(date +%s) - $(cat "$work/started" 2>/dev/null || date +%s) )) s"
}

case "$cmd" in
start)
  mkdir -p "$work"
  # the runtime, the library and the data where the detached runs read them (the repository's copy is replaced by
  # the next call's working tree)
  cp -r .gpu "$work/.gpu"
  cp tools/gpu/preload.sh "$work/"
  export SEG_DEVICE=${SEG_DEVICE:-gpu}
  source .gpu/boot.sh >/dev/null
  if [ -d .segdata ]; then
    tools/gpu/segment.sh data
  elif [ ! -f "$data/train-images-idx3-ubyte" ]; then
    echo "start: no .segdata carried and no data in $data: carry .segdata, or run stash in a call before" >&2
    exit 2
  fi
  date +%s > "$work/started"
  for spec in "$@"; do
    IFS='|' read -r name clsArgs segArgs envs <<< "$spec"
    weights=""
    if [ "$clsArgs" != "-" ]; then
      weights="--weights $work/$name-cls/model.safetensors"
    fi
    cat > "$work/$name.run" <<EOF
#!/usr/bin/env bash
cd "$work"
export ${envs:-VIL_SESSION=1}
source .gpu/boot.sh >/dev/null
source ./preload.sh
lib=".gpu/lib/*"
if [ "$clsArgs" != "-" ]; then
  "\${preload[@]}" java -Xmx${SEG_XMX:-40g} -cp "\$lib" org.vil4j.cli.Main train $clsArgs --data "$data" --backend opencl \
    --device "${SEG_DEVICE:-gpu}" --out "$work/$name-cls" > "$work/$name-cls.log" 2>&1
  rc=\$?
  echo \$rc > "$work/$name-cls.rc"
  [ \$rc = 0 ] || exit \$rc
fi
"\${preload[@]}" java -Xmx${SEG_XMX:-40g} -cp "\$lib" org.vil4j.cli.Main train --task segmentation --dataset fmnist-scenes \
  --data "$data" --backend opencl --device "${SEG_DEVICE:-gpu}" $weights $segArgs \
  --out "$work/$name-seg" > "$work/$name-seg.log" 2>&1
echo \$? > "$work/$name-seg.rc"
EOF
    chmod +x "$work/$name.run"
    setsid nohup "$work/$name.run" > "$work/$name.out" 2>&1 < /dev/null &
    echo "started $name"
  done
  sleep "${SESSION_WAIT:-0}"
  progress
  ;;
stash)
  if [ ! -d .segdata ]; then
    echo "stash: carry .segdata (and .segcls for classifier files)" >&2
    exit 2
  fi
  tools/gpu/segment.sh data
  mkdir -p "$work/cls"
  for f in .segcls/*.safetensors; do
    cp "$f" "$work/cls/"
  done
  ls -la "$data" "$work/cls"
  ;;
status)
  sleep "${1:-0}"
  progress
  ;;
collect)
  deadline=$(( $(date +%s) + ${1:-0} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    running=0
    for sh in "$work"/*.run; do
      name=$(basename "$sh" .run)
      [ -f "$work/$name-seg.rc" ] || [ -f "$work/$name-cls.rc" -a "$(cat "$work/$name-cls.rc" 2>/dev/null)" != 0 ] \
        || running=1
    done
    [ $running = 0 ] && break
    sleep 5
  done
  progress
  out=${OUT:?OUT}
  for sh in "$work"/*.run; do
    name=$(basename "$sh" .run)
    [ -f "$work/$name-seg/model.safetensors" ] && cp "$work/$name-seg/model.safetensors" "$out/$name-seg.safetensors"
    [ -f "$work/$name-cls/model.safetensors" ] && cp "$work/$name-cls/model.safetensors" "$out/$name-cls.safetensors"
    # the segmentation run's checkpoint too (optimiser state: a later session resumes it with --resume)
    [ -f "$work/$name-seg/checkpoint.safetensors" ] \
      && cp "$work/$name-seg/checkpoint.safetensors" "$out/$name-seg-checkpoint.safetensors"
  done
  # the logs, metrics and configs in one file (the tool returns at most 8)
  (cd "$work" && tar czf "$out/logs.tgz" --exclude='*.safetensors' ./*.log ./*.rc ./*-cls ./*-seg \
    2>/dev/null)
  ls -la "$out"
  ;;
*)
  echo "start, stash, status or collect, not $cmd" >&2
  exit 2
  ;;
esac
