"""HTTP client for the Rasa server: REST channel turns and tracker events (pause, resume, triggers)."""
from __future__ import annotations

import os
import threading

import requests
from django.conf import settings

from integrations.http import EnvCachedSession

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive HTTP session per worker process and thread: a new TCP connection for every turn cost Rasa and
    the worker CPU that a client with a session (bench-hub's baseline) did not pay."""
    session = getattr(_local, "session", None)
    if session is None or _local.pid != os.getpid():  # a forked worker child starts its own
        session = _local.session = EnvCachedSession()  # proxy settings read once, not per call
        _local.pid = os.getpid()
    return session


class RasaUnavailable(Exception):
    """Rasa did not answer usefully; the caller retries later, nothing is lost."""


def _checked(response: requests.Response) -> requests.Response:
    # Any refusal (a 5xx, but also a 401 after a token change or a 404 from a half-deployed server) keeps the
    # message waiting and the delay visible to agents; failing the task would leave it stuck unseen.
    if not 200 <= response.status_code < 300:
        raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
    return response


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError as exc:
        raise RasaUnavailable(f"Rasa answered something that is not JSON: {response.text[:200]!r}") from exc


def _post(path: str, payload: dict, *, timeout: float | None = None) -> requests.Response:
    try:
        response = _session().post(
            f"{settings.RASA_URL}{path}",
            params={"token": settings.RASA_TOKEN} if settings.RASA_TOKEN else None,
            json=payload,
            timeout=timeout or settings.RASA_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RasaUnavailable(str(exc)) from exc
    return _checked(response)


def rasa_turn(*, conversation_id: int, text: str, metadata: dict) -> list[dict]:
    """Send one customer message to the bot and return its replies (text, buttons, custom)."""
    response = _post("/webhooks/rest/webhook", {"sender": str(conversation_id), "message": text, "metadata": metadata})
    return _json(response)


def rasa_turn_replies(*, conversation_id: int, message_id: int) -> list[dict] | None:
    """The replies the bot gave to our message `message_id` (sent with that id in its metadata), in the REST
    channel's shape, or None when the bot's tracker has no such turn (it never got the message)."""
    try:
        response = _session().get(
            f"{settings.RASA_URL}/conversations/{conversation_id}/tracker",
            params={"token": settings.RASA_TOKEN} if settings.RASA_TOKEN else None,
            timeout=settings.RASA_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RasaUnavailable(str(exc)) from exc
    events = _json(_checked(response)).get("events") or []
    ours = [i for i, event in enumerate(events)
            if event.get("event") == "user" and (event.get("metadata") or {}).get("message_id") == message_id]
    start = ours[-1] if ours else None
    if start is None:
        return None
    replies = []
    for event in events[start + 1:]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data") or {}
            reply = {"recipient_id": str(conversation_id), "text": event.get("text")}
            reply.update({key: data[key] for key in ("buttons", "image", "custom", "attachment") if data.get(key)})
            replies.append(reply)
    return replies


def rasa_tracker_events_append(*, conversation_id: int, events: list[dict]) -> None:
    _post(f"/conversations/{conversation_id}/tracker/events", events)


def rasa_intent_trigger(*, conversation_id: int, intent: str, entities: dict | None = None) -> list[dict]:
    """Trigger an external intent (e.g. EXTERNAL_nps_survey) and return the bot's messages."""
    response = _post(
        f"/conversations/{conversation_id}/trigger_intent",
        {"name": intent, "entities": entities or {}},
    )
    return _json(response).get("messages", [])
