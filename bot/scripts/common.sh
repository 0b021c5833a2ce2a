# Shared by the bot's scripts: paths, the cached Python 3.10 virtualenv, the model cache.
set -euo pipefail
BOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT_DIR=$(cd "$BOT_DIR/.." && pwd)
CACHE_DIR=${PARCELDESK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parceldesk}
PY310=${PY310:-$( (pyenv root 2>/dev/null || echo "$HOME/.pyenv") )/versions/3.10.13/bin/python}
if [ ! -x "$PY310" ]; then
  echo "error: the bot needs Python 3.10 (Rasa 3.6 does not install on 3.11+)." >&2
  echo "       Expected $PY310 — install it with: pyenv install 3.10.13" >&2
  exit 3
fi
BOT_VENV=$("$ROOT_DIR/scripts/ensure_venv.sh" bot "$PY310" "$BOT_DIR/requirements.lock")
RASA="$BOT_VENV/bin/rasa"
# `rasa` with speedups.py installed (its action-response validation checks its schema once, not every call):
# what serves the bot and replays the stories.
RASA_CLI="$BOT_DIR/scripts/rasa_cli.py"
# Custom components and actions import `components.*` and `actions.*`.
export PYTHONPATH="$BOT_DIR${PYTHONPATH:+:$PYTHONPATH}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false
export RASA_TOKEN=${RASA_TOKEN:-dev-rasa-token}
export HELPDESK_API_TOKEN=${HELPDESK_API_TOKEN:-dev-helpdesk-token}
export HELPDESK_URL=${HELPDESK_URL:-http://127.0.0.1:8000}

# The model depends on the pipeline code too, so the key covers components/.
model_hash() {
  (cd "$BOT_DIR" && cat requirements.lock config.yml $(find domain data components -type f \( -name '*.yml' -o -name '*.py' \) | sort) \
    | sha256sum | cut -c1-16)
}
MODEL_CACHE="$CACHE_DIR/models"
MODEL_PATH="$MODEL_CACHE/parceldesk-$(model_hash).tar.gz"
