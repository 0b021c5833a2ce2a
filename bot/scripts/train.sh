#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed (keyed by their hash); print the model path last.
source "$(dirname "$0")/common.sh"
if [ -f "$MODEL_PATH" ]; then
  echo "bot: model up to date ($MODEL_PATH)" >&2
else
  mkdir -p "$MODEL_CACHE"
  echo "bot: training the model (first run after a change to config, domain, data or components; a few minutes) ..." >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Wall-clock and CPU (user + system) seconds of the training, for make bench-nlu.
  (cd "$BOT_DIR" && "$BOT_VENV/bin/python" scripts/timed.py "$tmp/time" "$RASA" train --config config.yml \
      --domain domain --data data --out "$tmp" --fixed-model-name model --quiet >&2)
  mv "$tmp/model.tar.gz" "$MODEL_PATH.part" && mv "$MODEL_PATH.part" "$MODEL_PATH"
  read -r wall cpu < "$tmp/time"
  echo "$wall" > "$MODEL_PATH.train-seconds"
  echo "$cpu" > "$MODEL_PATH.train-cpu-seconds"
fi
echo "$MODEL_PATH"
