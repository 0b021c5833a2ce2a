#!/usr/bin/env bash
# bench-hub: signed SMS webhooks through the whole hub vs Rasa's REST channel; last line: the throughput ratio.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services.sh >&2 || exit 1
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock) || exit 1
exec "$venv/bin/python" bench/hub.py "$@"
