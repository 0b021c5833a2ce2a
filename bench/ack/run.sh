#!/usr/bin/env bash
# bench-ack: signed SMS webhooks at 100/s against the web server, uvicorn and daphne in one run; last line: ack p99.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services.sh >&2 || exit 1
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock) || exit 1
exec "$venv/bin/python" bench/ack.py "$@"
