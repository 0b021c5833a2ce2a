#!/usr/bin/env bash
# Re-extract the staff UI's translatable strings into locale/<lang>/LC_MESSAGES/{django,djangojs}.po (new
# strings arrive with an empty msgstr: translate them), then compile the .mo files, which are committed so a
# clone runs without gettext. Needs gettext (xgettext, msgmerge, msgfmt). Usage: scripts/messages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(scripts/ensure_venv.sh helpdesk-dev "${PY311:-python3.11}" requirements/dev.lock)
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-helpdesk.config.settings.local}"
locales=(-l zh_Hans -l zh_Hant -l ru)
# Only the helpdesk: not the bot, benchmarks, tests, virtualenvs, vendored Chart.js, or the web chat widget
# (embedded on other sites, so it carries its own four-language table).
ignore=(--ignore='bot/*' --ignore='bench/*' --ignore='tests/*' --ignore='docs/*' --ignore='var/*' --ignore='.venv*'
        --ignore='node_modules/*' --ignore='*/vendor/*' --ignore='helpdesk/core/static/webchat/*')
"$venv/bin/python" manage.py makemessages "${locales[@]}" --no-obsolete --add-location=file "${ignore[@]}"
"$venv/bin/python" manage.py makemessages -d djangojs "${locales[@]}" --no-obsolete --add-location=file "${ignore[@]}"
"$venv/bin/python" manage.py compilemessages "${locales[@]}" "${ignore[@]}"
