#!/usr/bin/env bash
# The Rasa server with its HTTP API on 127.0.0.1:5005 (token RASA_TOKEN), using the cached model.
source "$(dirname "$0")/common.sh"
model=${RASA_MODEL:-$(bash "$BOT_DIR/scripts/train.sh")}
cd "$BOT_DIR"
exec "$BOT_VENV/bin/python" "$RASA_CLI" run --enable-api --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p "${RASA_PORT:-5005}" \
  --model "$model" --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" --cors "http://127.0.0.1:8000"
