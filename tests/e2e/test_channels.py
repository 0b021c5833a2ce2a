"""One customer journey on every channel, against the real Rasa server, action server and Celery worker.

A customer tracks a parcel, changes the address with the one-time code sent to the phone on file, reschedules,
complains and gets a ticket, asks for a human, and an agent answers -- on web chat (a real Channels web socket
served by daphne, as the widget opens it), SMS and WhatsApp (signed webhooks from the Twilio stand-in) and WeChat
(signed callbacks from the wechatpy-driven stand-in; one journey in AES safe mode), in two languages per channel.
Every reply must come back on the customer's own channel, in order, exactly once.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
import threading
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
import requests
from django.db import connection
from django.utils import timezone

from helpdesk.conversations.messaging import HELP_TEXT
from helpdesk.conversations.models import Conversation, Message
from helpdesk.tickets.models import Ticket
from tests.factories import AgentFactory, DeliveryWindowFactory, ShipmentFactory, TeamFactory, TrackingEventFactory

from .conftest import SMS_NUMBER, WA_NUMBER, Processes, free_port, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

TN = "SF1234567890123"
RECIPIENT = "+8613912345678"
HAN = re.compile(r"[\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
DELIVERED = [Message.DeliveryStatus.SENT, Message.DeliveryStatus.DELIVERED, Message.DeliveryStatus.READ]

# What a customer types, per language. Phrasings the bot understands; see the module's report for any it did not.
SAYS = {
    "en": {
        "track": "hi, where is my parcel SF1234567890123?",
        "change": "I need to change the delivery address for SF1234567890123",
        "address": "Room 5, 100 Century Avenue, Pudong, Shanghai",
        "yes": "yes",
        "reschedule": "I'm not home tomorrow, can you deliver another day?",
        "complain": "I want to make a complaint about SF1234567890123, it is very late",
        "human": "let me talk to a real person please",
        "agent": "Hello, this is Alice from customer service. I have your parcel in front of me.",
        "thanks": "thank you",
    },
    "zh-hans": {
        "track": "我的快递SF1234567890123到哪了",
        "change": "我想修改SF1234567890123的收货地址",
        "address": "上海市浦东新区世纪大道100号5室",
        "yes": "是的",
        "reschedule": "我明天不在家，能改天送吗",
        "complain": "我要投诉，快递SF1234567890123延误了一个星期还没到",
        "human": "我要转人工客服",
        "agent": "您好，我是客服小李，您的包裹我来跟进。",
        "thanks": "谢谢",
    },
    "zh-hant": {
        "track": "請問我的包裹SF1234567890123幾時到",
        "change": "請幫我修改SF1234567890123的收件地址",
        "address": "上海市浦東新區世紀大道100號5室",
        "yes": "是的",
        "reschedule": "我明天不在家，可以改天再送嗎",
        "complain": "我要投訴，包裹SF1234567890123延誤了一個星期還沒到",
        "human": "請幫我轉接真人客服",
        "agent": "您好，我是客服陳小姐，您的包裹由我跟進。",
        "thanks": "多謝",
    },
    "ru": {
        "track": "где моя посылка SF1234567890123",
        "change": "хочу изменить адрес доставки SF1234567890123",
        "address": "Шанхай, Пудун, проспект Century 100, квартира 5",
        "yes": "да",
        "reschedule": "меня не будет дома завтра, можно перенести доставку на другой день?",
        "complain": "у меня жалоба, посылка SF1234567890123 задерживается уже неделю",
        "human": "соедините меня с оператором, пожалуйста",
        "agent": "Здравствуйте, это Анна из службы поддержки, я занимаюсь Вашей посылкой.",
        "thanks": "спасибо",
    },
}


def in_language(text: str, language: str) -> bool:
    if language == "ru":
        return bool(CYRILLIC.search(text))
    if language.startswith("zh"):
        return bool(HAN.search(text))
    return not HAN.search(text) and not CYRILLIC.search(text)


def option_number(reply: str, needle: str) -> str:
    """The number in front of the option that mentions `needle` ("2. Tue 18:00-21:00" -> "2")."""
    for line in reply.splitlines():
        match = re.match(r"^\s*(\d+)\.\s", line)
        if match and needle in line:
            return match.group(1)
    raise AssertionError(f"no option with {needle!r} in:\n{reply}")


def rendered(text: str, media: list) -> str:
    """A message as the customer reads it: buttons as numbered options (as SMS/WhatsApp/WeChat and the widget show)."""
    for item in media or []:
        if item.get("type") == "buttons":
            options = "\n".join(f"{n}. {b['title']}" for n, b in enumerate(item["buttons"], start=1))
            text = f"{text}\n{options}" if text else options
    return text


# --- the customers ---------------------------------------------------------------------------------------


class Customer:
    """Someone writing to the carrier on one channel; `say` returns what came back for that message."""

    channel = ""

    def __init__(self, external_user_id: str):
        self.external_user_id = external_user_id
        self.seen = 0

    def deliver(self, text: str) -> None:  # the channel's own way in
        raise NotImplementedError

    def inbox(self) -> list[str]:  # everything the customer received, in arrival order
        raise NotImplementedError

    def conversation(self) -> Conversation | None:
        return (Conversation.objects.filter(channel=self.channel, external_user_id=self.external_user_id)
                .order_by("-id").first())

    def sent_by_helpdesk(self) -> list[Message]:
        conversation = self.conversation()
        if conversation is None:
            return []
        return list(conversation.messages.filter(direction=Message.Direction.OUTBOUND, is_internal_note=False,
                                                 sender_kind__in=["bot", "agent"], delivery_status__in=DELIVERED)
                    .order_by("id"))

    def settled(self) -> bool:
        """Every message of the customer is processed, every reply is sent, and each one has arrived."""
        conversation = self.conversation()
        if conversation is None:
            return False
        busy = conversation.messages.filter(
            direction__in=["in", "out"], is_internal_note=False,
            delivery_status__in=[Message.DeliveryStatus.RECEIVED, Message.DeliveryStatus.PENDING]).exists()
        return not busy and len(self.inbox()) >= len(self.sent_by_helpdesk())

    def wait(self, *, timeout: float = 120, at_least: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.settled() and len(self.inbox()) - self.seen >= at_least:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"{self.channel} customer {self.external_user_id}: no settled answer in {timeout:.0f}s;"
                                 f" received so far: {self.inbox()[self.seen:]}")
        replies = self.inbox()[self.seen:]
        self.seen += len(replies)
        return "\n".join(replies)

    def say(self, text: str, *, at_least: int = 1) -> str:
        started = time.monotonic()
        self.deliver(text)
        reply = self.wait(at_least=at_least)
        print(f"TURN {time.monotonic() - started:5.1f}s {self.channel} {text!r} -> {reply[:80]!r}")
        return reply


class SmsCustomer(Customer):
    channel = "sms"

    def __init__(self, network, base_url: str, phone: str):
        super().__init__(phone)
        self.network, self.url = network, base_url + "/webhooks/twilio/"
        self.address, self.ours = phone, SMS_NUMBER

    def deliver(self, text):
        response = self.network.send_inbound(self.url, from_=self.address, to=self.ours, body=text)
        assert response.status_code == 200 and "<Response" in response.text, response.text  # empty TwiML at once

    def inbox(self):
        return [m.body for m in self.network.sent_messages if m.to == self.address and m.from_ == self.ours]


class WhatsAppCustomer(SmsCustomer):
    channel = "whatsapp"

    def __init__(self, network, base_url: str, phone: str):
        super().__init__(network, base_url, phone)
        self.address, self.ours = f"whatsapp:{phone}", WA_NUMBER


class WeChatCustomer(Customer):
    channel = "wechat"

    def __init__(self, network, base_url: str, openid: str, *, safe_mode: bool):
        super().__init__(openid)
        self.network, self.url, self.safe_mode = network, base_url + "/webhooks/wechat/", safe_mode

    def deliver(self, text):
        response = self.network.send_message(self.url, openid=self.external_user_id, content=text,
                                             safe_mode=self.safe_mode)
        assert response.status_code == 200 and response.text == "success", response.text  # answered at once

    def follow(self) -> str:
        response = self.network.send_message(self.url, openid=self.external_user_id, msg_type="event",
                                             event="subscribe", safe_mode=self.safe_mode)
        assert response.status_code == 200 and response.text == "success", response.text
        return self.wait(at_least=1)

    def inbox(self):
        return [m.content for m in self.network.sent_messages if m.touser == self.external_user_id]


class WebVisitor(Customer):
    """The widget's side of /ws/webchat/: a web socket to daphne, held open by a thread of its own."""

    channel = "webchat"

    def __init__(self, asgi_url: str, visitor: str):
        super().__init__(visitor)
        self.ws_url = asgi_url.replace("http://", "ws://") + f"/ws/webchat/?visitor={visitor}"
        self.origin = asgi_url
        self.received: list[dict] = []
        self.history: list[dict] | None = None
        self.acks: set[str] = set()
        self.errors: list[dict] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._session = self._ws = self._reader = None
        self.connect()

    def _run(self, coroutine, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _open(self):
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(self.ws_url, headers={"Origin": self.origin}, heartbeat=20)
        self._reader = asyncio.ensure_future(self._read(self._ws))

    async def _read(self, ws):
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            with self._lock:
                if data["type"] == "history":
                    self.history = data["messages"]
                elif data["type"] == "message":
                    self.received.append(data["message"])
                elif data["type"] == "ack":
                    self.acks.add(data["id"])
                else:
                    self.errors.append(data)

    async def _close(self):
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._session = self._ws = self._reader = None

    def connect(self) -> list[dict]:
        """Open the socket (a page load or reload) and return the history the server sends first."""
        with self._lock:
            self.history = None
        self._run(self._open())
        deadline = time.monotonic() + 20
        while self.history is None:
            assert time.monotonic() < deadline, "no history after connecting"
            time.sleep(0.05)
        return self.history

    def reload(self) -> list[dict]:
        self._run(self._close())
        return self.connect()

    def close(self) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def deliver(self, text):
        message_id = uuid.uuid4().hex
        self._run(self._ws.send_json({"type": "message", "id": message_id, "text": text}))
        deadline = time.monotonic() + 20
        while message_id not in self.acks:
            assert time.monotonic() < deadline and not self.errors, f"no ack for {text!r}: {self.errors}"
            time.sleep(0.05)

    def inbox(self):
        with self._lock:
            return [rendered(m["text"], m["media"]) for m in self.received]


# --- the servers --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asgi_server(stack, django_db_blocker):
    """daphne serving the helpdesk's ASGI application (web chat sockets, pages) on the test database."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    processes = Processes()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test", "CELERY_TASK_ALWAYS_EAGER": "false",
           "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}", "PYTHONUNBUFFERED": "1"}
    try:
        web, web_log = processes.start("daphne", [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1",
                                                  "-p", str(port), "tests.browser.asgi:application"], env)
        wait_for(f"{url}/track/", "daphne", web, web_log, timeout=90)
        yield url
    finally:
        processes.stop()


@pytest.fixture
def channels_e2e(e2e, settings, sms_network, wechat_network):
    """Per test, on top of `e2e`: WhatsApp and WeChat configured in the live helpdesk as in the worker."""
    wechat_network.reset()
    settings.TWILIO = {**settings.TWILIO, "from_whatsapp": WA_NUMBER}
    settings.WECHAT = {"token": wechat_network.token, "app_id": wechat_network.app_id,
                       "app_secret": wechat_network.app_secret, "aes_key": wechat_network.aes_key,
                       "api_base": wechat_network.url}
    return e2e


@pytest.fixture
def parcel(db):
    shipment = ShipmentFactory(tracking_number=TN, recipient_phone=RECIPIENT, recipient_name="Li Wei",
                               address="Flat 1201, 88 Lujiazui Ring Road", status="in_transit")
    TrackingEventFactory(shipment=shipment, status="in_transit", description="Arrived at Shanghai Pudong station",
                         location="Shanghai", occurred_at=timezone.now() - dt.timedelta(hours=2))
    today = timezone.localdate()
    DeliveryWindowFactory(station=shipment.station, date=today + dt.timedelta(days=1), start=dt.time(9),
                          end=dt.time(12), capacity=5, booked=5)  # full: never offered
    DeliveryWindowFactory(station=shipment.station, date=today + dt.timedelta(days=2), start=dt.time(18),
                          end=dt.time(21), capacity=5, booked=1)
    return shipment


@pytest.fixture
def agent(db):
    from rest_framework.authtoken.models import Token

    team = TeamFactory(slug="all-languages", name="Customer service", languages=["en", "zh-hans", "zh-hant", "ru"])
    user = AgentFactory(username="alice", profile__team=team)
    return user, Token.objects.create(user=user).key


def customer_on(channel: str, language: str, *, live_server, sms_network, wechat_network, asgi_url, safe_mode):
    suffix = {"en": "1", "zh-hans": "2", "zh-hant": "3", "ru": "4"}[language]
    if channel == "sms":
        return SmsCustomer(sms_network, live_server.url, f"+44770090020{suffix}")
    if channel == "whatsapp":
        return WhatsAppCustomer(sms_network, live_server.url, f"+44770090030{suffix}")
    if channel == "wechat":
        return WeChatCustomer(wechat_network, live_server.url, f"oUpF8uMuAJO_M2pxb1Q9zNjWeS6{suffix}",
                              safe_mode=safe_mode)
    return WebVisitor(asgi_url, f"visitor-{language}-{uuid.uuid4().hex[:12]}")


JOURNEYS = [
    pytest.param("webchat", "zh-hant", False, id="webchat-zh-hant"),
    pytest.param("webchat", "en", False, id="webchat-en"),
    pytest.param("sms", "en", False, id="sms-en"),
    pytest.param("sms", "zh-hant", False, id="sms-zh-hant"),
    pytest.param("whatsapp", "en", False, id="whatsapp-en"),
    pytest.param("whatsapp", "ru", False, id="whatsapp-ru"),
    pytest.param("wechat", "en", False, id="wechat-en"),
    pytest.param("wechat", "zh-hans", True, id="wechat-zh-hans-safe-mode"),
]


@pytest.mark.parametrize("channel, language, safe_mode", JOURNEYS)
def test_customer_journey_on_each_channel(channel, language, safe_mode, channels_e2e, request, live_server,
                                          sms_network, wechat_network, parcel, agent):
    asgi_url = request.getfixturevalue("asgi_server") if channel == "webchat" else ""
    says = SAYS[language]
    customer = customer_on(channel, language, live_server=live_server, sms_network=sms_network,
                           wechat_network=wechat_network, asgi_url=asgi_url, safe_mode=safe_mode)
    try:
        if channel == "wechat":  # a new follower is greeted before saying anything
            assert customer.follow()
        if channel in ("sms", "whatsapp"):  # the carrier's keywords are answered by the hub, not the bot
            assert customer.say("HELP") == HELP_TEXT

        # 1. Tracking: a stranger to the parcel sees its status, never the recipient's address or name.
        reply = customer.say(says["track"])
        assert TN in reply and in_language(reply, language), reply
        assert "Lujiazui" not in reply and "Li Wei" not in reply
        conversation = customer.conversation()
        assert conversation.language == language

        # 2. Address change: the code goes to the phone on file, not to this channel.
        codes_before = len([m for m in sms_network.sent_messages if m.to == RECIPIENT])
        ask = customer.say(says["change"])
        assert in_language(ask, language), ask
        deadline = time.monotonic() + 60
        while len(codes := [m.body for m in sms_network.sent_messages if m.to == RECIPIENT]) <= codes_before:
            assert time.monotonic() < deadline, "no one-time code reached the phone on file"
            time.sleep(0.2)
        code = re.search(r"\b(\d{6})\b", codes[-1]).group(1)
        assert code not in "\n".join(customer.inbox())
        choice = customer.say(code)
        assert "1." in choice and in_language(choice, language), choice
        ask_address = customer.say("1")
        assert in_language(ask_address, language), ask_address
        confirm = customer.say(says["address"])
        assert "100" in confirm, confirm
        done = customer.say(says["yes"])
        assert in_language(done, language), done
        parcel.refresh_from_db()
        assert parcel.address == says["address"]
        conversation.refresh_from_db()
        assert conversation.verified_phone == RECIPIENT

        # 3. Reschedule: verified now, so the bot offers the windows with room left, never the full one.
        offer = customer.say(says["reschedule"])
        assert "18:00" in offer and "09:00" not in offer, offer
        confirm = customer.say(option_number(offer, "18:00"))
        assert "18:00" in confirm, confirm
        done = customer.say(says["yes"])
        assert "18:00" in done and in_language(done, language), done
        parcel.refresh_from_db()
        assert parcel.delivery_window is not None and parcel.delivery_window.start == dt.time(18)

        # 4. Complaint: a ticket linked to the parcel and the conversation, its number told to the customer.
        reply = customer.say(says["complain"])
        ticket = Ticket.objects.filter(conversation=conversation).first()
        assert ticket is not None, reply
        assert ticket.number in reply and in_language(reply, language), reply
        assert ticket.category == "complaint_late" and parcel in ticket.shipments.all()

        # 5. A person: queued, an agent takes over through the API and answers on the customer's channel.
        reply = customer.say(says["human"])
        conversation.refresh_from_db()
        assert conversation.state == "queued", (conversation.state, reply)
        assert in_language(reply, language), reply
        user, token = agent
        api = requests.Session()
        api.headers["Authorization"] = f"Token {token}"
        taken = api.post(f"{live_server.url}/api/v1/conversations/{conversation.pk}/take-over/", timeout=10)
        assert taken.status_code == 200 and taken.json()["state"] == "agent", taken.text
        sent = api.post(f"{live_server.url}/api/v1/conversations/{conversation.pk}/messages/",
                        json={"text": says["agent"]}, timeout=10)
        assert sent.status_code == 201, sent.text
        assert customer.wait(at_least=1) == says["agent"]
        assert customer.say(says["thanks"], at_least=0) == ""  # the agent has it: the bot stays out

        # Everything the helpdesk sent arrived once, in order, on this channel only.
        outbound = customer.sent_by_helpdesk()
        assert [rendered(m.text, m.media) for m in outbound] == customer.inbox()
        assert outbound[-1].sender_kind == "agent" and outbound[-1].sender_id == user.pk
        assert set(Conversation.objects.values_list("channel", flat=True)) == {channel}

        if channel in ("sms", "whatsapp"):  # Twilio reports each delivery to the status callback URL it was given
            sids = [m.external_id for m in outbound]
            for sid in sids:
                assert sms_network.report_status(sid, "delivered").status_code == 204
            statuses = Message.objects.filter(channel=channel, external_id__in=sids).values_list("delivery_status",
                                                                                            flat=True)
            assert list(statuses) and set(statuses) == {"delivered"}

        if channel == "webchat":  # the visitor reloads the page: the whole chat comes back
            history = customer.reload()
            texts = [m["text"] for m in history]
            assert texts[0] == says["track"] and texts[-2:] == [says["agent"], says["thanks"]]
            assert [m["text"] for m in history if m["direction"] == "out"] == [m.text for m in outbound]
    finally:
        if isinstance(customer, WebVisitor):
            customer.close()


def test_same_customer_on_sms_and_wechat_shares_one_history(channels_e2e, live_server, sms_network, wechat_network,
                                                            parcel, agent):
    """The recipient texts from the phone on file, then writes on WeChat and proves that phone with the code: agents
    see one customer with both conversations."""
    sms = SmsCustomer(sms_network, live_server.url, RECIPIENT)
    assert TN in sms.say("where is SF1234567890123")
    wechat = WeChatCustomer(wechat_network, live_server.url, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6x", safe_mode=False)
    wechat.say("I need to change the delivery address for SF1234567890123")
    code = re.search(r"\b(\d{6})\b", sms.wait(at_least=1)).group(1)  # the code arrives by SMS on the same phone
    assert "1." in wechat.say(code)
    on_sms, on_wechat = sms.conversation(), wechat.conversation()
    assert on_sms.customer_id == on_wechat.customer_id
    _, token = agent
    listed = requests.get(f"{live_server.url}/api/v1/conversations/", params={"customer": on_sms.customer_id},
                          headers={"Authorization": f"Token {token}"}, timeout=10).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted(row["channel"] for row in rows) == ["sms", "wechat"]
