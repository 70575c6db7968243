#!/usr/bin/env bash
# Quick added-latency check for one modelsteward gateway (no LiteLLM): the shared fake upstream
# and the gateway, pinned as in bench.sh (gateway on core 1, upstream and generator on core 0),
# direct and gateway runs interleaved at concurrency 1.
#   flock -x /tmp/bench.lock bench/gateway/quick.sh
# Env: ROUNDS (3), N (400 requests per run), CFG (plain | guarded), MODE (empty or --stream),
# CPU=1 to add the gateway's CPU time per request at concurrency 4,
# PROFILE=FILE to run the gateway under cProfile and write its stats to FILE.
source "$(dirname "$0")/paths.sh"
ROUNDS=${ROUNDS:-3}; N=${N:-400}; CFG=${CFG:-plain}; MODE=${MODE:-}
W=$(mktemp -d /tmp/ms-gw-quick.XXXXXX)
PIDS=()
cleanup() {  # newest first, so the gateway can finish writing its profile
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -INT "${PIDS[$i]}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill "${PIDS[$i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
taskset -c 0 "$PEER/bin/python" "$SH/fake_upstream.py" --port 9200 --tokens 16 --token-ms 0 > "$W/up.log" 2>&1 & PIDS+=($!)
"$MS" "$H/approve.py" "$W" 9200 9201
cd "$W"
export MODELSTEWARD_DATA_DIR="$W"
PROF=()
[ -n "${PROFILE:-}" ] && PROF=(-m cProfile -o "$PROFILE")
taskset -c 1 "$MS" "${PROF[@]}" -m modelsteward serve --config "ms-$CFG.yaml" --port 4200 > gw.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:4200/healthz && break; sleep 0.5; done
P=/v1/chat/completions
LG="taskset -c 0 $PEER/bin/python $SH/loadgen.py --key sk-bench-1234"
for r in $(seq 1 "$ROUNDS"); do
  $LG --url "http://127.0.0.1:9200$P" --requests "$N" --concurrency 1 $MODE --label "direct|r$r"
  $LG --url "http://127.0.0.1:4200$P" --requests "$N" --concurrency 1 $MODE --label "modelsteward|r$r"
done
if [ "${CPU:-0}" = 1 ]; then
  "$PEER/bin/python" "$H/cpu_cost.py" "${PIDS[1]}" $LG --url "http://127.0.0.1:4200$P" \
    --requests 1000 --concurrency 4 $MODE --label "modelsteward|cpu|4"
fi
