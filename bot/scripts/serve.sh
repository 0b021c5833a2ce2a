#!/usr/bin/env bash
# `make bot`: train if needed, then serve Rasa (5005, HTTP API) and the action server (5055) until Ctrl-C.
source "$(dirname "$0")/common.sh"
bash "$BOT_DIR/scripts/train.sh" >/dev/null
bash "$BOT_DIR/scripts/actions.sh" &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT INT TERM
echo "bot: Rasa on http://127.0.0.1:${RASA_PORT:-5005} (token \$RASA_TOKEN), actions on http://127.0.0.1:${ACTIONS_PORT:-5055}" >&2
bash "$BOT_DIR/scripts/rasa.sh"
