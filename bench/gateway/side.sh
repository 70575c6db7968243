#!/usr/bin/env bash
# Short side-by-side check (no guards): added latency at concurrency 1 (JSON) and maximum
# requests/s at concurrency 16, modelsteward and the LiteLLM proxy behind the same fake
# upstream, pinned as in bench.sh (gateways on core 1, upstream and generator on core 0).
#   flock -x /tmp/bench.lock bench/gateway/side.sh > bench/gateway/results-side.jsonl
# Env: N (300 requests per latency run), PEER (venv with litellm[proxy] and aiohttp).
source "$(dirname "$0")/paths.sh"
N=${N:-300}
W=$(mktemp -d /tmp/ms-gw-side.XXXXXX)
cp "$H"/litellm-plain.yaml "$W/"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
taskset -c 0 "$PEER/bin/python" "$SH/fake_upstream.py" --port 9300 --tokens 16 --token-ms 0 > "$W/up.log" 2>&1 & PIDS+=($!)
"$MS" "$H/approve.py" "$W" 9300 9301
sed -i 's/:9100/:9300/; s/:9101/:9301/' "$W/litellm-plain.yaml"
cd "$W"
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR MODELSTEWARD_DATA_DIR="$W"
taskset -c 1 "$PEER/bin/litellm" --config litellm-plain.yaml --host 127.0.0.1 --port 4300 --num_workers 1 > ll.log 2>&1 & PIDS+=($!)
taskset -c 1 "$MS" -m modelsteward serve --config ms-plain.yaml --port 4301 > ms.log 2>&1 & PIDS+=($!)
for u in 4300/health/liveliness 4301/healthz; do
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$u" && break; sleep 1; done
done
LG="taskset -c 0 $PEER/bin/python $SH/loadgen.py --key sk-bench-1234"
P=/v1/chat/completions
echo "{\"env\": \"$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(uptime | sed 's/.*load/load/')\"}"
for t in direct litellm modelsteward direct litellm modelsteward; do
  case $t in direct) port=9300;; litellm) port=4300;; modelsteward) port=4301;; esac
  $LG --url "http://127.0.0.1:$port$P" --requests "$N" --concurrency 1 --max-seconds 60 --label "$t|fast|1"
done
for t in litellm modelsteward; do
  case $t in litellm) port=4300;; modelsteward) port=4301;; esac
  $LG --url "http://127.0.0.1:$port$P" --requests 3000 --concurrency 16 --max-seconds 12 --label "$t|max|16"
done
echo "{\"env_end\": \"$(uptime | sed 's/.*load/load/')\"}"
