#!/usr/bin/env bash
# bench-nlu: the bot's model against the `rasa init` default pipeline (Rasa 3.6's default config,
# bench/nlu/config-rasa-init.yml), both full models (NLU + dialogue) trained on the same domain and
# data, each served by a real Rasa server in turn: training time, load time, RSS after load and
# after the run, /model/parse p50/p95 over every held-out message, full-turn p50/p95 through the
# REST channel with the action server and a stand-in helpdesk, held-out accuracy and exact tracking
# numbers per language. The last line gives the ratios (ours / rasa init).
#
# Models are cached by input hash with their wall-clock training time beside them (MODEL.train-seconds,
# measured when they were trained; the first run trains both, 10-30 minutes on a busy 2-core machine).
# BENCH_NLU_ALTERNATIVES=1 also scores the NLU-only alternatives (whitespace tokenizer with our features,
# our tokenizer without character n-grams, our features with DIET instead of the linear classifier: ~30 min to
# train) with bot/scripts/nlu_eval.py, on both held-out sets.
source "$(dirname "$0")/../../bot/scripts/common.sh"
out="$ROOT_DIR/bench/results/nlu"
mkdir -p "$out"
cd "$BOT_DIR"

# Ours: the bot's cached model (train.sh records its training time); a model trained before train.sh
# timed it has no time, unless BENCH_NLU_RETRAIN=1 trains a timed copy here.
parcel=$(bash "$BOT_DIR/scripts/train.sh")
if [ ! -f "$parcel.train-seconds" ] && [ "${BENCH_NLU_RETRAIN:-0}" = 1 ]; then
  parcel=$(bash "$ROOT_DIR/bench/nlu/train-full.sh" parcel "$BOT_DIR/config.yml")
fi
init=$(bash "$ROOT_DIR/bench/nlu/train-full.sh" rasa-init "$ROOT_DIR/bench/nlu/config-rasa-init.yml")

if [ "${BENCH_NLU_ALTERNATIVES:-0}" = 1 ]; then
  train_nlu() {  # name config -> NLU-only model path (cached by the hash of config + data + components)
    local name=$1 config=$2 key model tmp
    key=$( (cat "$config"; cd "$BOT_DIR" && cat $(find data/nlu components -type f | sort)) | sha256sum | cut -c1-16)
    model="$MODEL_CACHE/bench-nlu-$name-$key.tar.gz"
    if [ ! -f "$model" ]; then
      echo "bench-nlu: training '$name' (a few minutes) ..." >&2
      tmp=$(mktemp -d)
      (cd "$BOT_DIR" && "$RASA" train nlu --config "$config" --nlu data/nlu --out "$tmp" --fixed-model-name m --quiet >&2)
      mv "$tmp/m.tar.gz" "$model"; rm -rf "$tmp"
    fi
    echo "$model"
  }
  for name in whitespace words-only diet; do
    model=$(train_nlu "$name" "$ROOT_DIR/bench/nlu/config-$name.yml")
    "$BOT_VENV/bin/python" scripts/nlu_eval.py "$model" --label "$name" --json "$out/$name.json" || true
    "$BOT_VENV/bin/python" scripts/nlu_eval.py "$model" --label "$name (unseen)" --tests tests/nlu/unseen \
      --json "$out/$name-unseen.json" || true
  done
fi

# Both full models on the third held-out set too (written blind to the training data: the honest estimate).
for pair in "parcel=$parcel" "rasa-init=$init"; do
  "$BOT_VENV/bin/python" scripts/nlu_eval.py "${pair#*=}" --label "${pair%%=*}, fresh set" --tests tests/nlu/fresh \
    --json "$out/${pair%%=*}-fresh.json" || true
done

"$BOT_VENV/bin/python" "$ROOT_DIR/bench/nlu/serve_bench.py" "$out/served.json" "parcel=$parcel" "rasa-init=$init"
