"""Fixtures for the dispatch loop: the dispatch stand-in (push consumer and scan sender), the Twilio stand-in
as the customers' phones, and a tiny stand-in Rasa server that records what the helpdesk asks of the bot."""
from __future__ import annotations

import re
import threading

import pytest

from integrations.standins.dispatch import DispatchStandin
from integrations.standins.server import StandinRequest, StandinResponse, StandinServer
from integrations.standins.twilio import TwilioStandin

DISPATCH_SECRET = "dispatch-loop-secret"
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"
RASA_TOKEN = "test-rasa-token"


class RasaStandin(StandinServer):
    """Speaks the three Rasa HTTP calls the helpdesk makes; records them; can be down (503)."""

    _TRIGGER = re.compile(r"^/conversations/(?P<id>[^/]+)/trigger_intent$")
    _EVENTS = re.compile(r"^/conversations/(?P<id>[^/]+)/tracker/events$")
    _TRACKER = re.compile(r"^/conversations/(?P<id>[^/]+)/tracker$")

    def __init__(self, token: str = RASA_TOKEN):
        super().__init__()
        self.token = token
        self.down = False
        self.turns: list[dict] = []
        self.triggers: list[dict] = []
        self.tracker_events: list[dict] = []
        self.trackers: dict[str, list[dict]] = {}  # sender → the user/bot events of its turns, as Rasa keeps them
        self.reply = "Which day suits you? Reply with a number."
        self.survey_question = "How likely are you to recommend us to a friend? Reply 0–10."
        self._lock = threading.Lock()

    def handle(self, request: StandinRequest) -> StandinResponse:
        if self.down:
            return StandinResponse(503, {"error": "service unavailable"})
        if request.query.get("token") != self.token:
            return StandinResponse(401, {"reason": "NotAuthenticated"})
        if request.path == "/webhooks/rest/webhook":
            body = request.json()
            with self._lock:
                self.turns.append(body)
                self.trackers.setdefault(body["sender"], []).extend([
                    {"event": "user", "text": body.get("message"), "metadata": body.get("metadata") or {}},
                    {"event": "bot", "text": self.reply, "data": {}}])
            return StandinResponse(200, [{"recipient_id": body["sender"], "text": self.reply}])
        match = self._TRACKER.match(request.path)
        if match and request.method == "GET":  # after a failed turn the helpdesk asks whether Rasa had it
            with self._lock:
                return StandinResponse(200, {"sender_id": match["id"], "events": list(self.trackers.get(match["id"], []))})
        match = self._TRIGGER.match(request.path)
        if match:
            body = request.json()
            with self._lock:
                self.triggers.append({"conversation": match["id"], **body})
            return StandinResponse(200, {"tracker": {"sender_id": match["id"]},
                                         "messages": [{"recipient_id": match["id"], "text": self.survey_question}]})
        match = self._EVENTS.match(request.path)
        if match:
            with self._lock:
                self.tracker_events.append({"conversation": match["id"], "events": request.json()})
            return StandinResponse(200, {"sender_id": match["id"]})
        return StandinResponse(404, {"error": "not found"})


@pytest.fixture
def dispatch(settings):
    """The dispatch stand-in, with the helpdesk pushing to it and taking its scans (no backoff wait in tests)."""
    with DispatchStandin(secret=DISPATCH_SECRET) as standin:
        settings.DISPATCH = {"webhook_url": standin.url + "/outbox", "secret": DISPATCH_SECRET, "push_timeout": 5.0,
                             "push_backoff_seconds": 0.0, "push_backoff_max_seconds": 0.0}
        yield standin


@pytest.fixture
def phones(settings):
    """The Twilio stand-in: every SMS and WhatsApp message the helpdesk sends lands here."""
    with TwilioStandin() as standin:
        settings.TWILIO = {"account_sid": standin.account_sid, "auth_token": standin.auth_token, "api_base": standin.url,
                           "from_sms": SMS_NUMBER, "from_whatsapp": WA_NUMBER}
        yield standin


@pytest.fixture
def rasa(settings):
    with RasaStandin() as standin:
        settings.RASA_URL = standin.url
        settings.RASA_TOKEN = RASA_TOKEN
        yield standin
