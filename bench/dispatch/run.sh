#!/usr/bin/env bash
# bench-dispatch: courier scan events through the real endpoint, events/min and feed lag (see bench/dispatch.py).
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services.sh >&2 || exit 1
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock) || exit 1
exec "$venv/bin/python" bench/dispatch.py "$@"
