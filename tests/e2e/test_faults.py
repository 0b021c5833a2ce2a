"""No message lost when parts fail: the real Rasa server and action server, real Celery workers on Redis, the
Twilio and WeChat stand-ins driven by the real twilio and wechatpy clients, and faults made the hard way —
Rasa killed and started again, frozen while a worker waits on it, the worker SIGKILLed mid-turn, the provider
answering 500, webhooks delivered twice, a burst of messages for two workers with two processes each.

The module swaps the session's worker for its own (short backoffs, a short visibility timeout and lock, set
through the same settings production reads), and gives the session back as it found it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.conversations.models import Conversation, Message
from integrations.standins.wechat import WeChatStandin
from tests.factories import ShipmentFactory, TrackingEventFactory

from .conftest import RASA_TOKEN, SMS_NUMBER, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]
WA_NUMBER = "whatsapp:+14155238886"
# The banner is always on the page (the live view shows and hides it); hidden when the bot is answering.
SHOWN_BANNER = re.compile(r'<div class="banner warn" id="bot-delayed" role="status" >The bot is not answering')
HIDDEN_BANNER = re.compile(r'<div class="banner warn" id="bot-delayed" role="status" hidden>')
# What production reads from the environment, turned down so a fault heals in seconds, not minutes.
FAST_RECOVERY = {
    "CONVERSATION_RETRY_BACKOFF_SECONDS": "0.5", "CONVERSATION_RETRY_BACKOFF_MAX_SECONDS": "2",
    "CONVERSATION_LOCK_SECONDS": "1", "RASA_TIMEOUT": "6", "CELERY_VISIBILITY_TIMEOUT": "5",
}
VISIBILITY_TIMEOUT = 5


def wait_until(what: str, condition, timeout: float = 120, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Lab:
    """The session's Rasa server and this module's Celery workers, which the tests kill, freeze and restart."""

    def __init__(self, stack: dict, database: str, wechat: WeChatStandin):
        self.stack = stack
        self.processes = stack["processes"]
        self.rasa_url = stack["rasa_url"]
        self.session_env = {
            "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test", "CELERY_TASK_ALWAYS_EAGER": "false",
            "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "RASA_URL": self.rasa_url, "RASA_TOKEN": RASA_TOKEN, **stack["twilio"], **stack.get("wechat", {}),
        }
        self.env = {
            **self.session_env, **FAST_RECOVERY, "TWILIO_WHATSAPP_FROM": WA_NUMBER,
            "WECHAT_TOKEN": wechat.token, "WECHAT_APP_ID": wechat.app_id, "WECHAT_APP_SECRET": wechat.app_secret,
            "WECHAT_AES_KEY": wechat.aes_key, "WECHAT_API_BASE": wechat.url,
        }
        self.started = 0

    def alive(self, name: str) -> list[tuple]:
        return [(p, log) for n, p, log in self.processes.running if n == name and p.poll() is None]

    # -- workers -----------------------------------------------------------------------------------------------

    def worker_start(self, *, concurrency: int = 2, env: dict | None = None, name: str | None = None):
        self.started += 1
        name = name or f"fault-worker-{self.started}"
        process, log = self.processes.start(name, [
            sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "--loglevel", "INFO",
            "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
            "--hostname", f"{name}-{os.getpid()}@%h"], env or self.env)
        wait_until(f"{name} to be ready", lambda: "ready" in log.read_text() or process.poll() is not None, 90)
        assert process.poll() is None, log.read_text()[-3000:]
        return process

    def workers(self) -> list:
        return [p for n, p, _ in self.processes.running if n.startswith("fault-worker") and p.poll() is None]

    @staticmethod
    def stop(process, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=60)

    # -- Rasa --------------------------------------------------------------------------------------------------

    def rasa(self):
        running = self.alive("rasa")
        return running[-1][0] if running else None

    def rasa_kill(self) -> None:
        self.stop(self.rasa(), signal.SIGKILL)

    def rasa_start(self) -> None:
        original = next(p for n, p, _ in self.processes.running if n == "rasa")
        port = self.rasa_url.rsplit(":", 1)[1]
        process, log = self.processes.start("rasa", list(original.args), {
            "RASA_PORT": port, "RASA_TOKEN": RASA_TOKEN,
            "RASA_ENDPOINTS": str(Path(self.stack["logs"]) / "endpoints.yml")})
        wait_for(f"{self.rasa_url}/status?token={RASA_TOKEN}", "the restarted Rasa server", process, log)

    def rasa_signal(self, sig) -> None:
        os.killpg(self.rasa().pid, sig)

    def user_turns(self, conversation_id: int) -> list[dict]:
        """The customer messages the bot's tracker holds for this conversation, in the order it took them."""
        tracker = requests.get(f"{self.rasa_url}/conversations/{conversation_id}/tracker",
                               params={"token": RASA_TOKEN}, timeout=30).json()
        return [e for e in tracker.get("events", []) if e.get("event") == "user"]


@pytest.fixture(scope="module")
def wechat_api():
    with WeChatStandin() as standin:
        yield standin


@pytest.fixture(scope="module")
def lab(stack, wechat_api, django_db_blocker):
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    lab = Lab(stack, database, wechat_api)
    session_workers = lab.alive("worker")
    for process, _ in session_workers:
        lab.stop(process)
    lab.worker_start()
    yield lab
    for process in lab.workers():
        lab.stop(process)
    if lab.rasa() is None:
        lab.rasa_start()
    if session_workers:
        lab.worker_start(env=lab.session_env, name="worker")


@pytest.fixture
def faults(lab, e2e, settings, sms_network, wechat_api):
    """Per test: the live helpdesk talks to the same stand-ins as the workers; Rasa and a worker are running."""
    settings.TWILIO = {**settings.TWILIO, "from_whatsapp": WA_NUMBER}
    settings.WECHAT = {"token": wechat_api.token, "app_id": wechat_api.app_id, "app_secret": wechat_api.app_secret,
                       "aes_key": wechat_api.aes_key, "api_base": wechat_api.url}
    wechat_api.reset()
    if lab.rasa() is None:
        lab.rasa_start()
    if not lab.workers():
        lab.worker_start()
    return lab


@pytest.fixture
def parcels(db):
    """Parcels whose masked status names each one, so every answer says which message it answers."""
    found = []
    for n in range(1, 9):
        shipment = ShipmentFactory(tracking_number=f"SF12345678{n:05d}", recipient_phone="+8613912345678",
                                   status="in_transit")
        TrackingEventFactory(shipment=shipment, status="in_transit", description=f"Arrived at station {n}",
                             location="Shanghai", occurred_at=timezone.now() - dt.timedelta(hours=2))
        found.append(shipment.tracking_number)
    return found


def text(network, live_server, phone: str, body: str) -> None:
    response = network.send_inbound(live_server.url + "/webhooks/twilio/", from_=phone, to=SMS_NUMBER, body=body)
    assert response.status_code == 200, response.text


def settled(external_user_id: str, inbound: int):
    """The conversation once all `inbound` messages were taken by the bot (or agents) and every reply went out."""
    conversation = Conversation.objects.filter(external_user_id=external_user_id).first()
    if conversation is None:
        return None
    messages = conversation.messages.all()
    if messages.filter(direction="in", delivery_status="processed").count() < inbound:
        return None
    if messages.filter(direction="out", delivery_status="pending").exists():
        return None
    return conversation


def answered(external_user_id: str, inbound: int, timeout: float = 180) -> Conversation:
    return wait_until(f"{external_user_id}'s {inbound} messages to be answered",
                      lambda: settled(external_user_id, inbound), timeout)


def mentions(bodies: list[str], numbers: list[str]) -> list[str]:
    """The tracking numbers the replies talk about, in order, each run of replies about one parcel counted once."""
    order: list[str] = []
    for body in bodies:
        for number in numbers:
            if number in body and (not order or order[-1] != number):
                order.append(number)
    return order


def sms_to(network, phone: str) -> list[str]:
    return [m.body for m in network.sent_messages if m.to == phone]


def bot_replies_once(conversation: Conversation, delivered: list[str], lab: Lab) -> None:
    """Each message the bot took once, each stored reply delivered once."""
    inbound = list(conversation.messages.filter(direction="in").order_by("id").values_list("pk", flat=True))
    turns = [(e.get("metadata") or {}).get("message_id") for e in lab.user_turns(conversation.pk)]
    assert [t for t in turns if t in inbound] == [t for t in inbound if t in turns]  # in order
    assert len(turns) == len(set(turns)), f"a message reached the bot twice: {turns}"
    replies = list(conversation.messages.filter(direction="out", sender_kind="bot").order_by("id")
                   .values_list("text", flat=True))
    assert all(r.split("\n")[0] in d for r, d in zip(replies, delivered, strict=True))


# --- every webhook twice --------------------------------------------------------------------------------------


def test_every_webhook_delivered_twice_is_one_message_and_one_answer(faults, live_server, sms_network, wechat_api,
                                                                     parcels):
    twilio_url, wechat_url = live_server.url + "/webhooks/twilio/", live_server.url + "/webhooks/wechat/"
    sms = sms_network.inbound_params(from_="+447700900201", to=SMS_NUMBER, body=f"where is my parcel {parcels[0]}?")
    whatsapp = sms_network.inbound_params(from_="whatsapp:+447700900202", to=WA_NUMBER,
                                          body=f"where is my parcel {parcels[1]}?", profile_name="Ann")
    for params in (sms, whatsapp):
        assert [sms_network.post_signed(twilio_url, params).status_code for _ in range(2)] == [200, 200]
    plain = wechat_api.message_xml(openid="oPlain000000000000000000000001", content=f"where is my parcel {parcels[2]}?",
                                   msg_id="7100000000000000001")
    safe = wechat_api.message_xml(openid="oSafe0000000000000000000000001", content=f"where is my parcel {parcels[3]}?",
                                  msg_id="7100000000000000002")
    for xml, safe_mode in ((plain, False), (safe, True)):  # WeChat retries three times when it did not hear back
        assert [wechat_api.post_xml(wechat_url, xml, safe_mode=safe_mode).text for _ in range(3)] == ["success"] * 3

    customers = {"+447700900201": parcels[0], "+447700900202": parcels[1],
                 "oPlain000000000000000000000001": parcels[2], "oSafe0000000000000000000000001": parcels[3]}
    for who, number in customers.items():
        conversation = answered(who, 1)
        assert conversation.messages.filter(direction="in").count() == 1
        if who.startswith("o"):
            delivered = [m.content for m in wechat_api.sent_messages if m.touser == who]
        else:
            delivered = [m.body for m in sms_network.sent_messages if m.to.removeprefix("whatsapp:") == who]
        assert mentions(delivered, parcels) == [number], delivered
        bot_replies_once(conversation, delivered, faults)
        assert len(faults.user_turns(conversation.pk)) == 1

    # Status callbacks twice, and late: the message ends as delivered, nothing new is stored.
    sent = next(m for m in sms_network.sent_messages if m.to == "+447700900201")
    rows = Message.objects.count()
    for status in ("delivered", "delivered", "sent"):
        assert sms_network.send_status_callback(live_server.url + "/webhooks/twilio/status/", message_sid=sent.sid,
                                                status=status).status_code == 204
    assert Message.objects.get(external_id=sent.sid).delivery_status == "delivered"
    assert Message.objects.count() == rows


# --- the provider fails ---------------------------------------------------------------------------------------


def test_provider_answering_500_then_200_sends_each_reply_exactly_once(faults, live_server, sms_network, wechat_api,
                                                                      parcels):
    sms_network.fail_next(1, status=500)
    wechat_api.fail_next(1, status=500)
    text(sms_network, live_server, "+447700900301", f"where is my parcel {parcels[0]}?")
    wechat_api.send_message(live_server.url + "/webhooks/wechat/", openid="oRetry000000000000000000000001",
                            content=f"where is my parcel {parcels[1]}?")

    phone = answered("+447700900301", 1)
    replies = list(phone.messages.filter(direction="out").order_by("id"))
    delivered = sms_network.sent_messages
    assert sorted(m.idempotency_token for m in delivered) == sorted(f"parceldesk-message-{r.pk}" for r in replies)
    assert sms_network.requests_seen == len(delivered) + 1  # the refused try, then each reply once
    assert replies[0].delivery_attempts == 2 and all(r.delivery_status == "sent" for r in replies)
    assert mentions([m.body for m in delivered], parcels) == [parcels[0]]

    chat = answered("oRetry000000000000000000000001", 1)
    chat_replies = list(chat.messages.filter(direction="out").order_by("id"))
    sent = [m.content for m in wechat_api.sent_messages]
    assert len(sent) == len(chat_replies) and all(r.text.split("\n")[0] in m for r, m in zip(chat_replies, sent))
    assert chat_replies[0].delivery_attempts == 2 and mentions(sent, parcels) == [parcels[1]]


# --- Rasa goes away and comes back ----------------------------------------------------------------------------


def test_rasa_stopped_mid_conversation_then_started_answers_every_message_in_order(faults, live_server, sms_network,
                                                                                   parcels, agent):
    phone = "+447700900401"
    text(sms_network, live_server, phone, f"where is my parcel {parcels[0]}?")
    conversation = answered(phone, 1)
    assert mentions(sms_to(sms_network, phone), parcels) == [parcels[0]]

    faults.rasa_kill()
    for number in parcels[1:4]:  # the customer keeps writing; every webhook is still answered at once
        text(sms_network, live_server, phone, f"where is my parcel {number}?")
    wait_until("the delay to show", lambda: Conversation.objects.get(pk=conversation.pk).bot_delayed_since, 60)

    agent_view = Client()
    agent_view.force_login(agent)
    page = agent_view.get(f"/inbox/c/{conversation.pk}/")
    assert page.status_code == 200 and SHOWN_BANNER.search(page.content.decode())
    api = APIClient()
    api.force_login(agent)
    assert api.get(f"/api/v1/conversations/{conversation.pk}/").json()["bot_delayed_since"]
    waiting = conversation.messages.filter(direction="in", delivery_status="received").count()
    # nothing dropped, nothing answered yet
    assert waiting == 3 and mentions(sms_to(sms_network, phone), parcels) == [parcels[0]]

    faults.rasa_start()
    answered(phone, 4, timeout=240)
    assert mentions(sms_to(sms_network, phone), parcels) == parcels[:4]  # every message, in the order written
    conversation.refresh_from_db()
    assert conversation.bot_delayed_since is None
    assert HIDDEN_BANNER.search(agent_view.get(f"/inbox/c/{conversation.pk}/").content.decode())
    later = list(conversation.messages.filter(direction="in").order_by("id").values_list("pk", flat=True))[1:]
    assert [(e.get("metadata") or {}).get("message_id") for e in faults.user_turns(conversation.pk)] == later


# --- the worker dies mid-turn ---------------------------------------------------------------------------------


@pytest.mark.parametrize("killed", ["the whole worker", "its pool processes"])
def test_worker_killed_mid_turn_the_message_is_still_answered_exactly_once(faults, live_server, sms_network, parcels,
                                                                          killed):
    phone = "+447700900501" if killed == "the whole worker" else "+447700900502"
    text(sms_network, live_server, phone, f"where is my parcel {parcels[0]}?")
    conversation = answered(phone, 1)
    worker = faults.workers()[0]

    faults.rasa_signal(signal.SIGSTOP)  # Rasa takes the connection but does not answer: the worker waits mid-turn
    try:
        text(sms_network, live_server, phone, f"where is my parcel {parcels[1]}?")
        message = conversation.messages.filter(direction="in").order_by("-id").first()
        wait_until("the worker to ask the bot", lambda: Message.objects.get(pk=message.pk).delivery_attempts >= 1, 60)
        time.sleep(1)
        if killed == "the whole worker":
            faults.stop(worker, signal.SIGKILL)  # main process and pool, as when a machine dies
        else:  # the processes running tasks die (OOM killer); the worker's main process lives on
            children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
            assert children
            for child in children:
                os.kill(int(child), signal.SIGKILL)
    finally:
        faults.rasa_signal(signal.SIGCONT)
    assert Message.objects.get(pk=message.pk).delivery_status == "received"
    if killed == "the whole worker":
        time.sleep(VISIBILITY_TIMEOUT + 1)  # past the visibility timeout, the broker gives the task to the next worker
        faults.worker_start()
    # else: the main process puts the lost task back on the queue at once (task_reject_on_worker_lost)

    answered(phone, 2, timeout=180)
    delivered = sms_to(sms_network, phone)
    assert mentions(delivered, parcels) == parcels[:2]
    turns = [(e.get("metadata") or {}).get("message_id") for e in faults.user_turns(conversation.pk)]
    assert turns.count(message.pk) == 1, f"the bot took the message {turns.count(message.pk)} times"
    bot_replies_once(conversation, delivered, faults)


# --- two workers, a burst -------------------------------------------------------------------------------------


def test_burst_to_one_conversation_on_two_workers_is_answered_in_order_never_interleaved(
        faults, live_server, sms_network, parcels):
    faults.worker_start(concurrency=2)
    assert len(faults.workers()) == 2  # two workers with two processes each, all taking tasks
    phone = "+447700900601"
    burst = parcels[:6]
    for number in burst:
        text(sms_network, live_server, phone, f"where is my parcel {number}?")
    conversation = answered(phone, len(burst), timeout=300)

    delivered = sms_to(sms_network, phone)
    assert mentions(delivered, parcels) == burst
    turns = faults.user_turns(conversation.pk)
    inbound = list(conversation.messages.filter(direction="in").order_by("id"))
    assert [(e.get("metadata") or {}).get("message_id") for e in turns] == [m.pk for m in inbound]
    assert [e["text"] for e in turns] == [m.text for m in inbound]
    # Never interleaved: in the bot's own history each message is followed by its answer, and only its answer.
    tracker = requests.get(f"{faults.rasa_url}/conversations/{conversation.pk}/tracker", params={"token": RASA_TOKEN},
                           timeout=30).json()["events"]
    current = None
    for event in tracker:
        if event.get("event") == "user":
            current = next(n for n in burst if n in event["text"])
        elif event.get("event") == "bot":
            assert not any(n in (event.get("text") or "") for n in burst if n != current), (current, event)
    replies = conversation.messages.filter(direction="out", sender_kind="bot").order_by("id")
    assert mentions([r.text for r in replies], parcels) == burst
    bot_replies_once(conversation, delivered, faults)


# --- agents have the conversation ----------------------------------------------------------------------------


def test_conversation_with_an_agent_never_reaches_the_bot_and_notes_never_leave(faults, live_server, sms_network,
                                                                               parcels, agent):
    phone = "+447700900701"
    text(sms_network, live_server, phone, f"where is my parcel {parcels[0]}?")
    conversation = answered(phone, 1)
    api = APIClient()
    api.force_login(agent)
    assert api.post(f"/api/v1/conversations/{conversation.pk}/take-over/").status_code == 200
    before = len(sms_to(sms_network, phone))

    text(sms_network, live_server, phone, f"and {parcels[1]}? also, you were rude")
    answered(phone, 2)
    held = conversation.messages.filter(direction="in").order_by("-id").first()
    assert held.pk not in [(e.get("metadata") or {}).get("message_id") for e in faults.user_turns(conversation.pk)]
    assert len(sms_to(sms_network, phone)) == before  # the bot said nothing

    note = api.post(f"/api/v1/conversations/{conversation.pk}/messages/",
                    {"text": "customer sounds upset, check courier 12", "internal": True}, format="json")
    reply = api.post(f"/api/v1/conversations/{conversation.pk}/messages/",
                     {"text": "Sorry about that - I am checking with the courier now.", "internal": False},
                     format="json")
    assert note.status_code == 201 and reply.status_code == 201
    wait_until("the agent's reply to go out", lambda: len(sms_to(sms_network, phone)) > before, 60)
    time.sleep(2)
    assert sms_to(sms_network, phone)[before:] == ["Sorry about that - I am checking with the courier now."]
    assert not any("courier 12" in body for body in sms_to(sms_network, phone))
    assert Message.objects.get(pk=note.json()["id"]).delivery_status == "not_sent"
