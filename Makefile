# ParcelDesk: the two commands a newcomer types are `make run` and `make test`.
SHELL := /bin/bash
PY311 ?= python3.11
PY310 ?= $(shell (pyenv root 2>/dev/null || echo $$HOME/.pyenv))/versions/3.10.13/bin/python

.PHONY: run test test-helpdesk test-bot bot bench bench-hub bench-ack bench-nlu bench-scale bench-dispatch lock venv migrate seed messages

run:            ## set up and start everything on the embedded default, with demo data
	@bash scripts/run.sh

test:           ## the whole suite (what .ci/run calls)
	@bash scripts/test.sh

test-helpdesk:  ## only the helpdesk and integrations suite
	@PARCELDESK_SKIP_BOT_TESTS=1 bash scripts/test.sh

test-bot:       ## only the bot: data validation, NLU evaluation, test stories, action tests
	@bash bot/scripts/test.sh

bot:            ## train the model if its inputs changed, then serve Rasa (5005) and the action server (5055)
	@bash bot/scripts/serve.sh

bench:          ## every benchmark
	@bash bench/run.sh all

# Explicit targets: make skips pattern rules for .PHONY targets, so `bench-%:` never ran.
bench-hub bench-ack bench-nlu bench-scale bench-dispatch:
	@bash bench/run.sh $(@:bench-%=%)

venv:
	@scripts/ensure_venv.sh helpdesk-dev $(PY311) requirements/dev.lock

lock:           ## re-lock the pinned requirement files with hashes
	uv pip compile --python-version 3.11 --generate-hashes requirements/helpdesk.in -o requirements/helpdesk.lock
	uv pip compile --python-version 3.11 --generate-hashes requirements/dev.in -o requirements/dev.lock
	uv pip compile --python-version 3.10 --generate-hashes bot/requirements.in -o bot/requirements.lock

messages:       ## re-extract UI strings into locale/*/LC_MESSAGES/*.po and compile the .mo files (needs gettext)
	@bash scripts/messages.sh

migrate:
	@$$(scripts/ensure_venv.sh helpdesk-dev $(PY311) requirements/dev.lock)/bin/python manage.py migrate

seed:
	@$$(scripts/ensure_venv.sh helpdesk-dev $(PY311) requirements/dev.lock)/bin/python manage.py seed_demo
