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
