"""The pipeline when the bot's answer is lost on the way back: the retry takes it from the bot's tracker instead
of asking again, so the customer gets one answer and the bot's history one turn (the real Rasa server and a
killed worker are in tests/e2e/test_faults.py; here a stand-in Rasa answers too late, on purpose)."""
from __future__ import annotations

import re
import threading
import time

import pytest

from helpdesk.conversations.messaging import conversation_inbound_process, inbound_message_receive
from helpdesk.conversations.models import Conversation, Message
from helpdesk.conversations.rasa import RasaUnavailable
from integrations.standins.server import StandinRequest, StandinResponse, StandinServer
from integrations.standins.twilio import TwilioStandin
from integrations.twilio.parsing import parse_inbound

pytestmark = pytest.mark.django_db(transaction=True)
SMS_NUMBER = "+15017122661"
RASA_TOKEN = "test-rasa-token"


class SlowRasa(StandinServer):
    """Rasa's REST channel and tracker: runs each turn at once and records it, but can answer after the caller
    gave up (as when a worker dies or times out after the bot already took the message)."""

    _TRACKER = re.compile(r"^/conversations/(?P<id>[^/]+)/tracker$")

    def __init__(self):
        super().__init__()
        self.answer_after = 0.0
        self.events: dict[str, list[dict]] = {}
        self.turns = 0
        self._events_lock = threading.Lock()

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.query.get("token") != RASA_TOKEN:
            return StandinResponse(401, {"reason": "NotAuthenticated"})
        if request.path == "/webhooks/rest/webhook" and request.method == "POST":
            body = request.json()
            replies = [{"recipient_id": body["sender"], "text": f"You said: {body['message']}"},
                       {"recipient_id": body["sender"], "text": "Anything else?",
                        "buttons": [{"title": "No, thanks", "payload": "/deny"}]}]
            with self._events_lock:
                self.turns += 1
                self.events.setdefault(body["sender"], []).extend(
                    [{"event": "user", "text": body["message"], "metadata": body.get("metadata") or {}}]
                    + [{"event": "action", "name": "utter_echo"}]
                    + [{"event": "bot", "text": r["text"], "data": {"buttons": r.get("buttons")}} for r in replies]
                    + [{"event": "action", "name": "action_listen"}])
            time.sleep(self.answer_after)
            return StandinResponse(200, replies)
        match = self._TRACKER.match(request.path)
        if match and request.method == "GET":
            with self._events_lock:
                events = list(self.events.get(match["id"], []))
                return StandinResponse(200, {"sender_id": match["id"], "events": events})
        return StandinResponse(404, {"error": "not found"})


@pytest.fixture
def rasa(settings):
    with SlowRasa() as standin:
        settings.RASA_URL, settings.RASA_TOKEN, settings.RASA_TIMEOUT = standin.url, RASA_TOKEN, 0.5
        yield standin


@pytest.fixture
def message(settings):
    with TwilioStandin() as twilio:
        settings.TWILIO = {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "api_base": twilio.url,
                           "from_sms": SMS_NUMBER, "from_whatsapp": ""}
        params = twilio.inbound_params(from_="+447700900900", to=SMS_NUMBER, body="where is SF1234567890123")
    from helpdesk.config.celery import app

    eager = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = False  # stored and queued, not run: the test runs the turn itself
    try:
        yield inbound_message_receive(inbound=parse_inbound(params))
    finally:
        app.control.purge()
        app.conf.CELERY_TASK_ALWAYS_EAGER = eager


def test_answer_lost_on_the_way_back_is_taken_from_the_tracker_not_asked_twice(rasa, message):
    rasa.answer_after = 2.0  # the bot takes the turn, but the worker gives up waiting
    with pytest.raises(RasaUnavailable):
        conversation_inbound_process(conversation_id=message.conversation_id)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_attempts) == ("received", 1)  # waits for the retry
    assert Conversation.objects.get(pk=message.conversation_id).bot_delayed_since is not None

    rasa.answer_after = 0.0
    assert conversation_inbound_process(conversation_id=message.conversation_id) == 1  # the retry
    assert rasa.turns == 1  # the bot was not asked a second time
    replies = list(Message.objects.filter(conversation_id=message.conversation_id, direction="out").order_by("id"))
    assert [(r.text, r.media) for r in replies] == [
        ("You said: where is SF1234567890123", []),
        ("Anything else?", [{"type": "buttons", "buttons": [{"title": "No, thanks", "payload": "/deny"}]}]),
    ]
    message.refresh_from_db()
    assert message.delivery_status == "processed"
    assert Conversation.objects.get(pk=message.conversation_id).bot_delayed_since is None


def test_a_message_the_bot_never_got_is_asked_on_retry(rasa, message, settings):
    settings.RASA_URL = "http://127.0.0.1:9"  # nothing listens: the bot is down
    with pytest.raises(RasaUnavailable):
        conversation_inbound_process(conversation_id=message.conversation_id)
    settings.RASA_URL = rasa.url
    assert conversation_inbound_process(conversation_id=message.conversation_id) == 1
    assert rasa.turns == 1
    assert Message.objects.filter(conversation_id=message.conversation_id, direction="out").count() == 2


def test_bot_refusing_the_call_keeps_the_message_waiting_and_the_delay_shown(rasa, message, settings):
    settings.RASA_TOKEN = "a-token-rotated-on-one-side-only"  # Rasa answers 401, not 5xx
    with pytest.raises(RasaUnavailable):
        conversation_inbound_process(conversation_id=message.conversation_id)
    message.refresh_from_db()
    assert message.delivery_status == "received"
    assert Conversation.objects.get(pk=message.conversation_id).bot_delayed_since is not None
    settings.RASA_TOKEN = RASA_TOKEN
    assert conversation_inbound_process(conversation_id=message.conversation_id) == 1
    assert rasa.turns == 1 and Conversation.objects.get(pk=message.conversation_id).bot_delayed_since is None


def test_while_the_bot_is_down_one_task_per_conversation_keeps_retrying(rasa, message, settings):
    """Each message in an outage starts a task; only one keeps retrying, and it answers them all."""
    from celery.exceptions import Retry

    from helpdesk.conversations.tasks import conversation_process

    settings.RASA_URL = "http://127.0.0.1:9"  # nothing listens: the bot is down
    with pytest.raises(Retry):
        conversation_process.apply(args=(message.conversation_id,), task_id="first-message", throw=True)
    assert conversation_process.apply(args=(message.conversation_id,), task_id="second-message").get() == 0
    with pytest.raises(Retry):  # the first task's retry is still the one waiting
        conversation_process.apply(args=(message.conversation_id,), task_id="first-message", throw=True)
    settings.RASA_URL = rasa.url
    assert conversation_process.apply(args=(message.conversation_id,), task_id="first-message").get() == 1
    assert rasa.turns == 1
    # the bot answered, so the next outage's first task may retry again
    settings.RASA_URL = "http://127.0.0.1:9"
    Message.objects.filter(pk=message.pk).update(delivery_status="received")
    with pytest.raises(Retry):
        conversation_process.apply(args=(message.conversation_id,), task_id="third-message", throw=True)


@pytest.fixture
def sms_turn(settings, rasa):
    """A customer's SMS stored and waiting for its turn, with the Twilio stand-in running for the replies."""
    from helpdesk.config.celery import app

    with TwilioStandin() as twilio:
        settings.TWILIO = {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "api_base": twilio.url,
                           "from_sms": SMS_NUMBER, "from_whatsapp": ""}
        eager = app.conf.CELERY_TASK_ALWAYS_EAGER
        app.conf.CELERY_TASK_ALWAYS_EAGER = False  # queued tasks are not run: only what the turn's task does happens
        try:
            params = twilio.inbound_params(from_="+447700900901", to=SMS_NUMBER, body="where is SF1234567890124")
            yield twilio, inbound_message_receive(inbound=parse_inbound(params))
        finally:
            app.control.purge()
            app.conf.CELERY_TASK_ALWAYS_EAGER = eager


def test_the_turn_task_sends_the_bot_replies_itself_in_order(sms_turn):
    from helpdesk.conversations.tasks import conversation_process

    twilio, message = sms_turn
    assert conversation_process.apply(args=(message.conversation_id,)).get() == 1
    # No second task was needed: the replies reached the provider when the turn's task ended.
    assert [(m.params["To"], m.params["Body"]) for m in twilio.sent_messages] == [
        ("+447700900901", "You said: where is SF1234567890124"),
        ("+447700900901", "Anything else?\n1. No, thanks"),
    ]
    replies = Message.objects.filter(conversation_id=message.conversation_id, direction="out").order_by("id")
    assert [r.delivery_status for r in replies] == ["sent", "sent"]
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.last_message_at == replies.last().created_at


def test_a_provider_failure_after_the_turn_keeps_the_replies_for_the_flush_task(sms_turn):
    from helpdesk.conversations.tasks import conversation_outbound_flush, conversation_process

    twilio, message = sms_turn
    twilio.fail_next(20, status=500)  # Twilio is down for the whole turn task, retries included
    assert conversation_process.apply(args=(message.conversation_id,)).get() == 1
    message.refresh_from_db()
    assert message.delivery_status == "processed"  # the bot is not asked again
    assert twilio.sent_messages == []
    assert list(Message.objects.filter(conversation_id=message.conversation_id, direction="out")
                .values_list("delivery_status", flat=True)) == ["pending", "pending"]
    twilio.reset()  # Twilio is back: the flush task (the turn queued it; run here) sends each reply once
    assert conversation_outbound_flush.apply(args=(message.conversation_id,)).get() == 2
    assert [m.params["Body"] for m in twilio.sent_messages] == ["You said: where is SF1234567890124",
                                                                "Anything else?\n1. No, thanks"]


# A bot turn with two replies, in the worker: the message with its conversation (one SELECT), the try counted, then
# BEGIN, the message marked processed, the two replies inserted, the conversation stamped once, COMMIT; the SELECT
# that finds nothing more to answer; the sending: the pending replies (one SELECT) and one UPDATE per reply sent.
# (Before: 16 -- a second SELECT for the conversation, an UPDATE per reply for the stamp, an UPDATE per reply before its
# send and a second Celery task for the sending.)
WORKER_TURN_QUERIES = 12


def test_a_bot_turn_with_two_replies_costs_the_worker_twelve_statements(sms_turn, django_assert_num_queries):
    from helpdesk.conversations.tasks import conversation_process

    twilio, message = sms_turn
    with django_assert_num_queries(WORKER_TURN_QUERIES):
        assert conversation_process.apply(args=(message.conversation_id,)).get() == 1
    assert len(twilio.sent_messages) == 2
