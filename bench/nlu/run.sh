#!/usr/bin/env bash
# bench-nlu: the bot's pipeline against alternatives on the held-out set, per language.
# Trains NLU-only models (cached by input hash), scores each with bot/scripts/nlu_eval.py,
# and prints the macro-F1 ratio of our pipeline to the best alternative as the last line.
source "$(dirname "$0")/../../bot/scripts/common.sh"
out="$ROOT_DIR/bench/results/nlu"
mkdir -p "$out"
train() {  # name config -> model path (cached by the hash of config + data + components)
  local name=$1 config=$2
  local key
  key=$( (cat "$config"; cd "$BOT_DIR" && cat $(find data/nlu components -type f | sort)) | sha256sum | cut -c1-16)
  local model="$MODEL_CACHE/bench-nlu-$name-$key.tar.gz"
  if [ ! -f "$model" ]; then
    echo "bench-nlu: training '$name' (a few minutes) ..." >&2
    mkdir -p "$MODEL_CACHE"
    local tmp; tmp=$(mktemp -d)
    (cd "$BOT_DIR" && "$RASA" train nlu --config "$config" --nlu data/nlu --out "$tmp" --fixed-model-name m --quiet >&2)
    mv "$tmp/m.tar.gz" "$model"; rm -rf "$tmp"
  fi
  echo "$model"
}
cd "$BOT_DIR"
declare -A models
models[parcel]=$(bash "$BOT_DIR/scripts/train.sh")  # the bot's own model (cached): same pipeline
models[whitespace]=$(train whitespace "$ROOT_DIR/bench/nlu/config-whitespace.yml")
models[words-only]=$(train words-only "$ROOT_DIR/bench/nlu/config-words-only.yml")
for name in parcel whitespace words-only; do
  "$BOT_VENV/bin/python" scripts/nlu_eval.py "${models[$name]}" --label "$name" --json "$out/$name.json" || true
done
"$BOT_VENV/bin/python" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
runs = {name: json.loads((out / f"{name}.json").read_text())["languages"] for name in ("parcel", "whitespace", "words-only")}
langs = [l for l in runs["parcel"] if all(runs[n].get(l) for n in runs)]  # languages with a held-out set
print(f"\n{'macro F1':12}" + "".join(f"{l:>10}" for l in langs) + f"{'mean':>10}{'ms/msg':>9}")
means = {}
for name, report in runs.items():
    scores = [report[l]["macro_f1"] for l in langs]
    means[name] = sum(scores) / len(scores)
    ms = sum(report[l]["ms_per_message"] for l in langs) / len(langs)
    print(f"{name:12}" + "".join(f"{s:>10.3f}" for s in scores) + f"{means[name]:>10.3f}{ms:>9.1f}")
best_alt = max(("whitespace", "words-only"), key=lambda n: means[n])
worst_lang = min(langs, key=lambda l: runs["parcel"][l]["macro_f1"] / max(runs[best_alt][l]["macro_f1"], 1e-9))
print(f"nlu/{best_alt} macro-F1 ratio: {means['parcel'] / means[best_alt]:.3f} "
      f"(ParcelTokenizer {means['parcel']:.3f} vs {best_alt} {means[best_alt]:.3f}; "
      f"vs whitespace zh-hant {runs['parcel']['zh-hant']['macro_f1']:.3f}/{runs['whitespace']['zh-hant']['macro_f1']:.3f})")
PY
