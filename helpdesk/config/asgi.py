"""ASGI entry point: HTTP through Django, web sockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.config.settings.local")
# Under ASGI every request's sync code runs in a thread of its own, so a persistent connection is never reused:
# each request left one open until garbage collection (60 PostgreSQL connections for 3 concurrent dispatch
# senders in bench-dispatch, "too many clients" next to other load). The web server closes its connection after
# each request; Celery workers keep theirs (DATABASE_CONN_MAX_AGE, 60 s).
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
django_asgi_app = get_asgi_application()

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
