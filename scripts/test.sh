#!/usr/bin/env bash
# The whole suite: helpdesk + integrations on real PostgreSQL and Redis, then the bot's own checks.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh || exit 1
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock) || exit 1
export PARCELDESK_VENV="$venv"

echo "== helpdesk and integrations (pytest) =="
"$venv/bin/python" -m pytest "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests: that is a failure for this project." >&2
  status=1
fi

bot_status=0
if [ -z "${PARCELDESK_SKIP_BOT_TESTS:-}" ] && [ -x bot/scripts/test.sh ]; then
  echo "== bot (Rasa) =="
  bash bot/scripts/test.sh
  bot_status=$?
fi

if [ $status -ne 0 ] || [ $bot_status -ne 0 ]; then
  echo "make test: FAILED (helpdesk exit $status, bot exit $bot_status)" >&2
  exit 1
fi
echo "make test: all suites passed"
