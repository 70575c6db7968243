# Sourced by the gateway benchmark scripts: where things are (override by environment).
# H: this folder, REPO: the checkout, SH: the shared gateway bench, PEER: the venv with
# litellm[proxy] and aiohttp, MS: the python that runs modelsteward.
set -euo pipefail
H=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
REPO=$(cd "$H/../.." && pwd)
SH=${SHARED:-$REPO/../shared/bench/gateway}
PEER=${PEER:-/tmp/peers-gateway}
MS=${MS:-$REPO/.venv/bin/python}
