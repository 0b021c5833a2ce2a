"""`GET /healthz`: the state of each part the hub needs, 503 when one is down."""
from __future__ import annotations

import requests
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker() -> str:
    from helpdesk.config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _channel_layer() -> str:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    async_to_sync(layer.group_send)("healthz", {"type": "healthz.ping"})
    return "ok"


def _rasa() -> str:
    response = requests.get(f"{settings.RASA_URL}/status", params={"token": settings.RASA_TOKEN}, timeout=2)
    response.raise_for_status()
    return "ok" if response.json().get("model_file") else "no model loaded"


CHECKS = {"database": _database, "broker": _broker, "channel_layer": _channel_layer, "rasa": _rasa}


def healthz(request):
    parts = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        except Exception as exc:  # a health page reports failures, it never raises them
            parts[name] = f"down: {type(exc).__name__}: {exc}"[:300]
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "parts": parts}, status=200 if healthy else 503)
