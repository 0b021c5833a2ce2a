#!/usr/bin/env bash
# bench-nlu helper: train a full model (NLU + core) of the bot's domain and data with CONFIG,
# cached by the hash of config + domain + data + components, and record the wall-clock training
# time next to it (MODEL.train-seconds). Prints the model path last.
# Usage: train-full.sh NAME CONFIG
source "$(dirname "$0")/../../bot/scripts/common.sh"
name=$1 config=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
key=$( (cat "$config" "$BOT_DIR/requirements.lock"; cd "$BOT_DIR" && cat $(find domain data components -type f \( -name '*.yml' -o -name '*.py' \) | sort)) \
  | sha256sum | cut -c1-16)
model="$MODEL_CACHE/bench-full-$name-$key.tar.gz"
if [ ! -f "$model" ] || [ ! -f "$model.train-seconds" ]; then
  echo "bench-nlu: training '$name' (full model; 10-20 minutes on a busy 2-core machine) ..." >&2
  mkdir -p "$MODEL_CACHE"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp "$config" "$tmp/config.yml"   # Rasa writes its auto-filled defaults into the config file
  # Wall-clock and CPU (user + system) seconds of the training, for make bench-nlu.
  (cd "$BOT_DIR" && "$BOT_VENV/bin/python" scripts/timed.py "$tmp/time" "$RASA" train --config "$tmp/config.yml" \
      --domain domain --data data --out "$tmp" --fixed-model-name m --quiet >&2)
  mv "$tmp/m.tar.gz" "$model.part" && mv "$model.part" "$model"
  read -r wall cpu < "$tmp/time"
  echo "$wall" > "$model.train-seconds"
  echo "$cpu" > "$model.train-cpu-seconds"
fi
echo "$model"
