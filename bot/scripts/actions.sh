#!/usr/bin/env bash
# The action server on 127.0.0.1:5055; it calls the helpdesk at HELPDESK_URL with HELPDESK_API_TOKEN.
source "$(dirname "$0")/common.sh"
cd "$BOT_DIR"
exec "$BOT_VENV/bin/python" -m rasa_sdk --actions actions -p "${ACTIONS_PORT:-5055}"
