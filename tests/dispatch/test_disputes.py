""""I was at home": the bot API compares the courier's GPS and time with the address, flags the attempt, opens a
fake-attempt ticket, tells dispatch, and the courier's report numbers show it."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation
from helpdesk.shipments.models import DeliveryAttempt
from helpdesk.shipments.services import distance_m
from helpdesk.tickets.models import Ticket
from tests.factories import ConversationFactory, CourierFactory, DeliveryWindowFactory, ShipmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+8613800138000"
HOME = (31.230400, 121.473700)


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


@pytest.fixture
def failed_attempt(dispatch, live_server):
    def make(*, gps, courier=None, minutes_ago=60, **shipment_fields):
        shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", latitude=HOME[0], longitude=HOME[1],
                                   **shipment_fields)
        courier = courier or CourierFactory(station=shipment.station)
        response = dispatch.send_scans(live_server.url + "/api/v1/dispatch/events/", [{
            "id": f"att-{shipment.tracking_number}", "tracking_number": shipment.tracking_number,
            "type": "delivery_attempted", "occurred_at": at(minutes_ago), "reason": "recipient_absent",
            "courier": courier.code, "gps": {"lat": gps[0], "lng": gps[1]} if gps else {}}])
        assert response.json()["applied"] == 1
        return shipment, courier
    return make


def sms_conversation():
    return Conversation.objects.get(channel="sms", external_user_id=PHONE)


def dispute(bot_client, conversation, shipment, **body):
    return bot_client.post(f"/api/v1/bot/conversations/{conversation.pk}/shipments/{shipment.tracking_number}/dispute/",
                           body, format="json")


def test_a_courier_far_from_the_address_is_flagged_and_counted(failed_attempt, bot_client, supervisor_client, dispatch):
    shipment, courier = failed_attempt(gps=(31.248400, 121.473700))  # about 2 km north
    conversation = sms_conversation()  # where the notice went; the phone on file, so verified
    response = dispute(bot_client, conversation, shipment, comment="I was home all afternoon, nobody rang")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verdict"] == "courier_away" and 1950 <= body["distance_m"] <= 2050

    attempt = DeliveryAttempt.objects.get(shipment=shipment)
    assert attempt.disputed and attempt.dispute_verdict == "courier_away"
    ticket = Ticket.objects.get(number=body["ticket_number"])
    assert ticket.category == "complaint_fake_attempt" and ticket.priority == "high"
    assert ticket.conversation == conversation and list(ticket.shipments.all()) == [shipment]
    assert courier.code in ticket.description and "nobody rang" in ticket.description

    kinds = [e.kind for e in dispatch.events_for(shipment.tracking_number)]
    assert kinds == ["shipment.delivery_failed", "shipment.complaint_filed", "shipment.attempt_disputed"]
    disputed = dispatch.events_for(shipment.tracking_number)[-1].payload
    assert disputed["courier"] == courier.code and disputed["verdict"] == "courier_away"
    assert disputed["ticket"] == ticket.number

    report = supervisor_client.get("/reports/", {"courier": courier.code}).context["r"]
    assert report["failed"]["disputed"] == 1
    assert report["failed"]["by_courier"] == [
        {"courier_code": courier.code, "courier_name": courier.name, "failed": 1, "disputed": 1}]
    assert report["complaints"]["by_category"][0]["category"] == "complaint_fake_attempt"

    again = dispute(bot_client, conversation, shipment)
    assert again.status_code == 409 and again.json()["code"] == "attempt_already_disputed"
    assert Ticket.objects.count() == 1


def test_a_courier_at_the_door_inside_the_window_is_still_recorded_but_found_consistent(failed_attempt, bot_client):
    now = timezone.localtime()
    window = DeliveryWindowFactory(date=now.date(), start=dt.time(0, 0), end=dt.time(23, 59))
    shipment, _ = failed_attempt(gps=(31.230500, 121.473800), station=window.station, delivery_window=window,
                                 minutes_ago=1)
    conversation = sms_conversation()
    body = dispute(bot_client, conversation, shipment).json()
    assert body["verdict"] == "at_address" and body["distance_m"] < 50
    assert DeliveryAttempt.objects.get(shipment=shipment).disputed  # the customer's word still counts


def test_only_the_verified_recipient_may_dispute_and_only_a_failed_attempt(failed_attempt, bot_client):
    shipment, _ = failed_attempt(gps=None)
    stranger = ConversationFactory(channel="webchat")
    refused = dispute(bot_client, stranger, shipment)
    assert refused.status_code == 403 and refused.json()["code"] == "verification_required"
    assert not DeliveryAttempt.objects.filter(disputed=True).exists() and not Ticket.objects.exists()

    owner = sms_conversation()
    assert dispute(bot_client, owner, shipment).json()["verdict"] == "no_courier_gps"
    delivered = ShipmentFactory(recipient_phone=PHONE, status="delivered")
    nothing = dispute(bot_client, owner, delivered)
    assert nothing.status_code == 409 and nothing.json()["code"] == "no_failed_attempt"
    too_long = dispute(bot_client, owner, shipment, comment="x" * 2001)
    assert too_long.status_code == 400


def test_haversine_distance():
    assert distance_m(31.2304, 121.4737, 31.2304, 121.4737) == 0
    assert 1110 <= distance_m(31.2304, 121.4737, 31.2404, 121.4737) <= 1113  # 0.01° of latitude ≈ 1.11 km
    assert distance_m(None, 121.4737, 31.2304, 121.4737) is None
