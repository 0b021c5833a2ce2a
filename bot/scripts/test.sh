#!/usr/bin/env bash
# The bot's checks: data and domain validation, unit tests of the components and of every action
# (against a stand-in helpdesk), training (cached), the held-out NLU evaluation per language, and the
# test stories of every flow in every language.
source "$(dirname "$0")/common.sh"
cd "$BOT_DIR"
# The first held-out set is gated at the target, 0.95 intent accuracy (and macro F1) per language (issue 4); the other
# two, smaller sets at 0.93 (80-95 messages: one message is ~1.2 points). The linear classifier trains
# deterministically, so the same data gives the same scores; the measured scores are in docs/bot.md.
min_accuracy=${BOT_MIN_ACCURACY:-0.95}
min_f1=${BOT_MIN_F1:-0.95}
min_unseen_accuracy=${BOT_MIN_UNSEEN_ACCURACY:-0.93}
min_fresh_accuracy=${BOT_MIN_FRESH_ACCURACY:-0.93}
passed=0 failed=0
check() {
  local name=$1; shift
  echo "-- bot: $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "-- bot: $name FAILED" >&2; fi
}
check "rasa data validate" "$RASA" data validate --domain domain --data data --config config.yml --quiet
check "unit tests (components, answers, actions)" "$BOT_VENV/bin/python" -m pytest -q tests
model=$(bash scripts/train.sh) || { echo "bot: training failed" >&2; exit 1; }
check "held-out NLU evaluation (accuracy >= $min_accuracy, macro F1 >= $min_f1 per language)" \
  "$BOT_VENV/bin/python" scripts/nlu_eval.py "$model" --min-accuracy "$min_accuracy" --min-f1 "$min_f1" \
  --json results/nlu-eval.json
check "second held-out set, another voice (accuracy >= $min_unseen_accuracy per language)" \
  "$BOT_VENV/bin/python" scripts/nlu_eval.py "$model" --tests tests/nlu/unseen --label "unseen set" \
  --min-accuracy "$min_unseen_accuracy" --json results/nlu-eval-unseen.json
check "third held-out set, written blind to the training data (accuracy >= $min_fresh_accuracy per language)" \
  "$BOT_VENV/bin/python" scripts/nlu_eval.py "$model" --tests tests/nlu/fresh --label "fresh set" \
  --min-accuracy "$min_fresh_accuracy" --json results/nlu-eval-fresh.json
# Every flow in every language, replayed against the model from the customer's text (stories recorded
# from the real bot by scripts/record_stories.py); any wrong intent or action fails.
check "test stories (every flow, four languages; --fail-on-prediction-errors)" \
  "$BOT_VENV/bin/python" "$RASA_CLI" test core --stories tests/stories --model "$model" --e2e --fail-on-prediction-errors \
  --out results/stories --no-plot --quiet
echo "bot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
