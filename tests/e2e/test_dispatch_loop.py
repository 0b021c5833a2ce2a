"""The dispatch loop with the real bot: a courier's failed attempt comes from the dispatch stand-in, the customer
gets the notice by SMS (sent by the real worker through the Twilio stand-in), answers it in the same chat, the
real Rasa server and action server reschedule through the helpdesk's API, and the reschedule reaches dispatch —
in the pull feed and pushed, signed, after the failure it answers."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from django.utils import timezone

from helpdesk.conversations.models import Conversation
from helpdesk.dispatch import push
from helpdesk.dispatch.models import OutboxEvent
from integrations.standins.dispatch import DispatchStandin
from tests.factories import CourierFactory, CustomerFactory, DeliveryWindowFactory, ShipmentFactory

from .test_bot_conversations import Customer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]
PHONE = "+8613912345600"
SECRET = "e2e-dispatch-secret"


@pytest.fixture
def dispatch(e2e, settings):
    with DispatchStandin(secret=SECRET) as standin:
        settings.DISPATCH = {"webhook_url": standin.url + "/outbox", "secret": SECRET, "push_timeout": 5.0,
                             "push_backoff_seconds": 0.0, "push_backoff_max_seconds": 0.0}
        yield standin


def wait_for_sms(network, phone, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [m.body for m in network.sent_messages if m.to == phone]
        if len(texts) >= count:
            return texts
        time.sleep(0.25)
    raise AssertionError(f"{count} SMS to {phone} expected, got {texts}")


def test_failed_attempt_notice_answered_in_chat_reschedules_and_dispatch_hears_it(
        dispatch, sms_network, live_server):
    shipment = ShipmentFactory(tracking_number="SF5550001112223", recipient_phone=PHONE, recipient_name="Wang Fang",
                               status="out_for_delivery", customer=CustomerFactory(language="en"))
    courier = CourierFactory(station=shipment.station)
    window = DeliveryWindowFactory(station=shipment.station, date=timezone.localdate() + dt.timedelta(days=1),
                                   start=dt.time(18), end=dt.time(21), capacity=5, booked=1)
    tn = shipment.tracking_number

    scan = dispatch.send_scans(live_server.url + "/api/v1/dispatch/events/", [{
        "id": "e2e-att-1", "tracking_number": tn, "type": "delivery_attempted", "reason": "recipient_absent",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=20)).isoformat(), "courier": courier.code}])
    assert scan.json()["applied"] == 1, scan.text

    [notice] = wait_for_sms(sms_network, PHONE, 1)  # the worker sent it, on the recipient's own number
    assert f"We tried to deliver your parcel {tn}" in notice and "“deliver tomorrow”" in notice

    phone = Customer(sms_network, live_server, PHONE)
    phone.seen = 1
    offer = phone.say("deliver tomorrow please")  # the answer to the notice, in the same SMS conversation
    assert "18:00" in offer, offer
    number = next(line.split(".")[0].strip() for line in offer.splitlines() if "18:00" in line)
    confirm = phone.say(number)
    assert "yes or no" in confirm.lower(), confirm
    done = phone.say("yes")
    assert "Done" in done and "18:00" in done, done

    shipment.refresh_from_db()
    assert shipment.delivery_window_id == window.id
    conversation = Conversation.objects.get(channel="sms", external_user_id=PHONE)
    assert conversation.messages.order_by("id").first().text == notice  # the notice opened the chat the bot used

    # Dispatch's pull consumer reads the failure and then the customer's answer to it.
    feed = requests.get(live_server.url + "/api/v1/dispatch/feed/", params={"cursor": 0}, timeout=10,
                        headers={"Authorization": "Token test-helpdesk-token"}).json()["events"]
    assert [e["kind"] for e in feed if e["tracking_number"] == tn] == ["shipment.delivery_failed", "shipment.rescheduled"]
    rescheduled = feed[-1]["payload"]
    assert rescheduled["by"] == "customer" and rescheduled["channel"] == "sms"
    assert rescheduled["window"]["start"] == "18:00"
    assert rescheduled["answers_failed_attempt"]["reason"] == "recipient_absent"

    # And by push: the session's worker has no DISPATCH_WEBHOOK_URL, so the push service runs here, as the
    # sweeper would run it; dispatch gets both, signed, in order, once.
    push.outbox_shipments_push(shipment_ids=[shipment.pk])
    assert [e.kind for e in dispatch.events_for(tn)] == ["shipment.delivery_failed", "shipment.rescheduled"]
    assert dispatch.forged == 0 and dispatch.duplicates == 0 and dispatch.out_of_order == []
    failed, answer = dispatch.events_for(tn)
    assert answer.payload["answers_failed_attempt"]["attempt"] == failed.payload["attempt"]
    assert not OutboxEvent.objects.filter(pushed_at__isnull=True).exists()
