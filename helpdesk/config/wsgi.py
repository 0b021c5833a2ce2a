"""WSGI entry point (management tools only; the server runs ASGI)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.config.settings.local")
application = get_wsgi_application()
