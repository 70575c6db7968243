#!/usr/bin/env bash
# Side-by-side gateway benchmark: modelsteward vs the LiteLLM proxy, same upstream, same
# generator, same run, following ../shared/bench/gateway/METHOD.md.
#   bench/gateway/bench.sh > bench/gateway/results.jsonl
# Env: REPEATS (2), N (300 requests per latency point), PEER (venv with litellm[proxy] and
# aiohttp, default /tmp/peers-gateway), SHARED (the shared bench dir), CPU_ONLY=1 to run only
# the CPU-per-request measurement, SLOW_ONLY=1 to run only the 50 tok/s streaming (TTFT) points.
source "$(dirname "$0")/paths.sh"
REPEATS=${REPEATS:-2}
N=${N:-300}
W=$(mktemp -d /tmp/ms-gw-bench.XXXXXX)
cp "$SH/regex_guard.py" "$H"/litellm-*.yaml "$W/"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

taskset -c 0 "$PEER/bin/python" "$SH/fake_upstream.py" --port 9100 --tokens 16 --token-ms 0 > "$W/up.log" 2>&1 & PIDS+=($!)
taskset -c 0 "$PEER/bin/python" "$SH/fake_upstream.py" --port 9101 --tokens 16 --token-ms 20 > "$W/up-slow.log" 2>&1 & PIDS+=($!)
"$MS" "$H/approve.py" "$W" 9100 9101
cd "$W"
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR
taskset -c 1 "$PEER/bin/litellm" --config litellm-plain.yaml --host 127.0.0.1 --port 4000 --num_workers 1 > ll-plain.log 2>&1 & PIDS+=($!)
taskset -c 1 "$PEER/bin/litellm" --config litellm-guarded.yaml --host 127.0.0.1 --port 4001 --num_workers 1 > ll-guarded.log 2>&1 & PIDS+=($!)
export MODELSTEWARD_DATA_DIR="$W"
taskset -c 1 "$MS" -m modelsteward serve --config ms-plain.yaml --port 4100 > ms-plain.log 2>&1 & PIDS+=($!)
taskset -c 1 "$MS" -m modelsteward serve --config ms-guarded.yaml --port 4101 > ms-guarded.log 2>&1 & PIDS+=($!)
for u in 4000/health/liveliness 4001/health/liveliness 4100/healthz 4101/healthz; do
  for _ in $(seq 1 180); do curl -sf -o /dev/null "http://127.0.0.1:$u" && break; sleep 1; done
done

LG="taskset -c 0 $PEER/bin/python $SH/loadgen.py --key sk-bench-1234"
P=/v1/chat/completions
declare -A URL=([direct]="http://127.0.0.1:9100$P" [litellm]="http://127.0.0.1:4000$P"
  [litellm+guard]="http://127.0.0.1:4001$P" [modelsteward]="http://127.0.0.1:4100$P"
  [modelsteward+guard]="http://127.0.0.1:4101$P")
TARGETS="direct litellm litellm+guard modelsteward modelsteward+guard"
echo "{\"env\": \"$(uname -m) $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); uptime: $(uptime | sed 's/.*load/load/')\"}"
# CPU time each gateway process spends per request (robust to a busy machine).
declare -A GPID=([litellm]=${PIDS[2]} [litellm+guard]=${PIDS[3]} [modelsteward]=${PIDS[4]} [modelsteward+guard]=${PIDS[5]})
if [ "${SLOW_ONLY:-0}" = 1 ]; then
  for r in $(seq 1 "$REPEATS"); do
    for t in $TARGETS; do
      u=${URL[$t]}; [ "$t" = direct ] && u="http://127.0.0.1:9101$P"
      $LG --url "$u" --model fake-model-slow --stream --requests 30 --warmup 3 --concurrency 1 --max-seconds 30 --label "$t|slow-sse|1|r$r"
    done
  done
  exit 0
fi
for mode in "" "--stream"; do
  for t in litellm litellm+guard modelsteward modelsteward+guard; do
    "$PEER/bin/python" "$H/cpu_cost.py" "${GPID[$t]}" $LG --url "${URL[$t]}" --requests 400 --concurrency 4 $mode --max-seconds 60 --label "$t|cpu${mode:+-sse}|4|r1"
  done
done
[ "${CPU_ONLY:-0}" = 1 ] && exit 0
for r in $(seq 1 "$REPEATS"); do
  for mode in "" "--stream"; do
    for c in 1 4; do
      for t in $TARGETS; do
        $LG --url "${URL[$t]}" --requests "$N" --concurrency $c $mode --max-seconds 30 --label "$t|fast${mode:+-sse}|$c|r$r"
      done
    done
  done
  for t in $TARGETS; do
    u=${URL[$t]}; [ "$t" = direct ] && u="http://127.0.0.1:9101$P"
    $LG --url "$u" --model fake-model-slow --stream --requests 30 --warmup 3 --concurrency 1 --max-seconds 30 --label "$t|slow-sse|1|r$r"
  done
done
for c in 16 32; do
  for t in $TARGETS; do
    $LG --url "${URL[$t]}" --requests 3000 --concurrency $c --max-seconds 12 --label "$t|max|$c|r1"
  done
done
echo "{\"env_end\": \"uptime: $(uptime | sed 's/.*load/load/')\"}"
