"""Customers talk to the real bot over SMS: the webhook stores, the real worker asks the real Rasa,
the real action server acts through the helpdesk API, and the answer comes back through Twilio."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation, Message
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.shipments.models import Shipment
from helpdesk.surveys.models import NpsResponse
from helpdesk.tickets.models import Ticket
from tests.factories import DeliveryWindowFactory, PickupPointFactory, ShipmentFactory, TrackingEventFactory

from .conftest import SMS_NUMBER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]
HAN = re.compile(r"[\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class Customer:
    """A phone that texts the carrier and reads what comes back."""

    def __init__(self, network, live_server, phone: str):
        self.network, self.url, self.phone = network, live_server.url + "/webhooks/twilio/", phone
        self.seen = 0

    def _inbox(self) -> list[str]:
        return [m.body for m in self.network.sent_messages if m.to == self.phone]

    def say(self, text: str, *, settle: float = 2.0, timeout: float = 90) -> str:
        response = self.network.send_inbound(self.url, from_=self.phone, to=SMS_NUMBER, body=text)
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + timeout
        last_count, last_change = len(self._inbox()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            count = len(self._inbox())
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            busy = Message.objects.filter(conversation__external_user_id=self.phone, direction="in",
                                          delivery_status="received").exists()
            if not busy and count > self.seen and time.monotonic() - last_change >= settle:
                break
        replies = self._inbox()[self.seen:]
        self.seen = len(self._inbox())
        return "\n".join(replies)

    def sms_to(self, phone: str) -> list[str]:
        return [m.body for m in self.network.sent_messages if m.to == phone]


@pytest.fixture
def customer(e2e, sms_network, live_server):
    return lambda phone: Customer(sms_network, live_server, phone)


@pytest.fixture
def parcel(db):
    shipment = ShipmentFactory(tracking_number="SF1234567890123", recipient_phone="+8613912345678",
                               recipient_name="Li Wei", address="Flat 1201, 88 Lujiazui Ring Road", status="in_transit")
    TrackingEventFactory(shipment=shipment, status="in_transit", description="Arrived at Shanghai Pudong station",
                         location="Shanghai", occurred_at=timezone.now() - dt.timedelta(hours=2))
    return shipment


def test_stranger_tracks_a_parcel_and_sees_only_the_masked_status(customer, parcel):
    phone = customer("+447700900123")
    reply = phone.say("hi, where is my parcel SF1234567890123?")
    assert "SF1234567890123" in reply
    assert "Arrived at Shanghai Pudong station" in reply
    assert "Lujiazui" not in reply and "Li Wei" not in reply  # a stranger never sees the address or name
    assert "one-time code" in reply  # told how to see more


@pytest.mark.parametrize("text, script, language", [
    ("我的快递SF1234567890123到哪了", HAN, "zh-hans"),
    ("請問我的包裹SF1234567890123幾時到", HAN, "zh-hant"),
    ("где моя посылка SF1234567890123", CYRILLIC, "ru"),
])
def test_the_reply_follows_the_customers_language(customer, parcel, text, script, language):
    phone = customer("+447700900124")
    reply = phone.say(text)
    assert "SF1234567890123" in reply and script.search(reply), reply
    conversation = Conversation.objects.get(external_user_id="+447700900124")
    assert conversation.language == language
    if conversation.customer_id:
        assert conversation.customer.language == language


def test_recipient_reschedules_to_a_window_with_capacity(customer, parcel):
    today = timezone.localdate()
    DeliveryWindowFactory(station=parcel.station, date=today + dt.timedelta(days=1), start=dt.time(9), end=dt.time(12),
                          capacity=5, booked=5)  # full: never offered
    wanted = DeliveryWindowFactory(station=parcel.station, date=today + dt.timedelta(days=2), start=dt.time(18),
                                   end=dt.time(21), capacity=5, booked=1)
    phone = customer(parcel.recipient_phone)  # texting from the phone on file: verified without a code
    offer = phone.say("I'm not home tomorrow, can you deliver another day?")
    assert "18:00" in offer and "09:00" not in offer
    number = next(line.split(".")[0] for line in offer.splitlines() if "18:00" in line)
    confirm = phone.say(number)
    assert "yes or no" in confirm.lower()
    done = phone.say("yes")
    assert "Done" in done and "18:00" in done
    parcel.refresh_from_db()
    assert parcel.delivery_window_id == wanted.id
    assert OutboxEvent.objects.filter(shipment=parcel, kind__icontains="resched").exists()


def test_address_change_needs_the_code_sent_to_the_phone_on_file(customer, parcel):
    phone = customer("+447700900125")
    ask = phone.say("I need to change the delivery address for SF1234567890123")
    codes = phone.sms_to(parcel.recipient_phone)
    assert codes and re.search(r"\b\d{6}\b", codes[-1]), "the code goes to the recipient's phone, not the sender"
    assert "code" in ask.lower()
    wrong = phone.say("000000")
    assert "isn't right" in wrong
    code = re.search(r"\b(\d{6})\b", codes[-1]).group(1)
    choice = phone.say(code)
    assert "verified" in choice.lower() and "1." in choice
    phone.say("1")
    confirm = phone.say("Room 5, 100 Century Avenue, Pudong, Shanghai")
    assert "Century Avenue" in confirm
    done = phone.say("yes")
    assert "Done" in done
    parcel.refresh_from_db()
    assert "Century Avenue" in parcel.address


def test_redirect_to_a_locker_is_refused_once_out_for_delivery(customer, parcel):
    Shipment.objects.filter(pk=parcel.pk).update(status="out_for_delivery")
    phone = customer(parcel.recipient_phone)
    reply = phone.say("send SF1234567890123 to a parcel locker instead")
    assert "can't be changed" in reply
    parcel.refresh_from_db()
    assert parcel.pickup_point_id is None


def test_redirect_to_a_locker_nearby(customer, parcel):
    locker = PickupPointFactory(station=parcel.station, name="Century Park Locker", capacity=10, occupied=2)
    phone = customer(parcel.recipient_phone)
    choice = phone.say("can you redirect SF1234567890123 to a locker")
    assert "2." in choice
    points = phone.say("2")
    assert "Century Park Locker" in points
    phone.say("1")
    done = phone.say("yes")
    assert "Done" in done
    parcel.refresh_from_db()
    assert parcel.pickup_point_id == locker.id


def test_complaint_becomes_a_ticket_and_urgent_ones_go_to_an_agent(customer, parcel):
    phone = customer(parcel.recipient_phone)
    reply = phone.say("I want to complain, parcel SF1234567890123 arrived damaged, the box was crushed and the vase inside is broken")
    ticket = Ticket.objects.get()
    assert ticket.number in reply and "hours" in reply
    assert ticket.category.startswith("complaint") and parcel in ticket.shipments.all()
    conversation = Conversation.objects.get(external_user_id=parcel.recipient_phone)
    assert conversation.state == "queued"  # damaged is urgent: straight to an agent
    assert "queue" in reply.lower()
    later = phone.say("hello?")
    assert later == "" or "queue" not in later.lower()  # the bot stays quiet while the agents have it
    assert not Message.objects.filter(conversation=conversation, sender_kind="bot", text__icontains="hello").exists()


def test_customer_asks_for_a_person_and_the_bot_comes_back_after_hand_back(customer, parcel, django_user_model):
    from helpdesk.conversations.services import conversation_hand_back, conversation_take_over
    from tests.factories import AgentFactory

    phone = customer("+447700900126")
    reply = phone.say("let me talk to a real person please")
    conversation = Conversation.objects.get(external_user_id="+447700900126")
    assert conversation.state == "queued" and "queue" in reply.lower()
    agent = AgentFactory()
    conversation_take_over(conversation=conversation, agent=agent)
    conversation_hand_back(conversation=conversation, agent=agent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("assistant" in text for text in phone.sms_to("+447700900126")):
        time.sleep(0.5)
    assert any("anything else" in text for text in phone.sms_to("+447700900126"))
    phone.seen = len(phone.sms_to("+447700900126"))
    again = phone.say("where is SF1234567890123")
    assert "SF1234567890123" in again


def test_two_turns_the_bot_cannot_help_with_in_a_row_hand_over(customer, parcel):
    phone = customer("+447700900127")
    first = phone.say("tell me a joke")
    assert "only help with parcels" in first
    phone.say("what's the weather in Paris tomorrow")
    conversation = Conversation.objects.get(external_user_id="+447700900127")
    assert conversation.state == "queued" and conversation.handoff_reason == "fallback"


def test_nps_survey_answer_lands_in_the_reports(customer, parcel, e2e):
    from helpdesk.conversations.tasks import conversation_outbound_flush
    from helpdesk.conversations.messaging import bot_replies_store
    from helpdesk.conversations.rasa import rasa_intent_trigger

    Shipment.objects.filter(pk=parcel.pk).update(status="delivered")
    phone = customer(parcel.recipient_phone)
    phone.say("hello")
    conversation = Conversation.objects.get(external_user_id=parcel.recipient_phone)
    replies = rasa_intent_trigger(conversation_id=conversation.pk, intent="EXTERNAL_nps_survey",
                                  entities={"tracking_number": parcel.tracking_number})
    bot_replies_store(conversation=conversation, replies=replies)
    conversation_outbound_flush.delay(conversation.pk)
    assert any("0" in r.get("text", "") and "10" in r.get("text", "") for r in replies)
    ask_reason = phone.say("9")
    assert "reason" in ask_reason.lower()
    thanks = phone.say("fast and friendly courier")
    assert "thank" in thanks.lower()
    answer = NpsResponse.objects.get(shipment=parcel)
    assert (answer.score, answer.comment) == (9, "fast and friendly courier")
