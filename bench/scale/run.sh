#!/usr/bin/env bash
# bench-scale: the agent's pages on 1 M shipments and 5 M messages (see bench/scale.py); last line: the worst p95.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services.sh >&2 || exit 1
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock) || exit 1
exec "$venv/bin/python" bench/scale.py "$@"
