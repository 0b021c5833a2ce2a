"""ASGI entry point: HTTP through Django, web sockets through Channels."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.config.settings.local")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from helpdesk.core.asgi import HelpdeskASGIHandler  # noqa: E402

# Django's own handler runs each request in a new thread, so a persistent database connection was never reused
# (each request left one open until garbage collection: "too many clients" in bench-dispatch) and the web server had
# to close its connection after every request. This one reuses WEB_THREADS threads, each keeping its connection.
django_asgi_app = HelpdeskASGIHandler(threads=settings.WEB_THREADS)

# The URLconf (with the views, DRF and drf-spectacular it imports) loads now, at start-up, rather than on the
# process's first request: in bench-ack that request spent ~0.8 s importing, so every restart of the web server
# showed up as a webhook Twilio waited a second for.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from helpdesk.config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
