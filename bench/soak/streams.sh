#!/usr/bin/env bash
# 20,000 streamed chat requests at concurrency 32 through the gateway to the embedded
# llama.cpp engine (stories260K): the check that streamed answers never fail with 502.
#   flock -x /tmp/bench.lock bench/soak/streams.sh
# Env: N (20000), C (32), PEER (venv with aiohttp), MS (the gateway's python).
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$H/../.." && pwd)
SH=${SHARED:-$REPO/../shared}
PEER=${PEER:-/tmp/peers-gateway}
MS=${MS:-$REPO/.venv/bin/python}
N=${N:-20000}; C=${C:-32}
W=$(mktemp -d /tmp/ms-streams.XXXXXX)
cat > "$W/gw.yaml" <<YAML
approval: warn
audit: {sink: jsonl, path: $W/audit.jsonl}
models:
  - {name: stories, engine: llamacpp, path: $SH/models/stories260K/stories260K.gguf,
     safety: "off", n_ctx: 1024, threads: 1}
YAML
MODELSTEWARD_DATA_DIR="$W" taskset -c 1 "$MS" -m modelsteward serve --config "$W/gw.yaml" --port 4401 > "$W/gw.log" 2>&1 &
GW=$!
trap 'kill $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf -o /dev/null http://127.0.0.1:4401/healthz && break; sleep 1; done
echo "{\"env\": \"$(nproc) cores; $(uptime | sed 's/.*load/load/')\"}"
taskset -c 0 "$PEER/bin/python" "$SH/bench/gateway/loadgen.py" --url http://127.0.0.1:4401/v1/chat/completions \
  --model stories --stream --requests "$N" --concurrency "$C" --max-seconds 1500 --label "streams|$C"
echo "{\"audit_records\": $(wc -l < "$W/audit.jsonl"), \"status_502\": $(grep -c '"status":502' "$W/audit.jsonl" || true), \"not_200\": $(grep -vc '"status":200' "$W/audit.jsonl" || true)}"
