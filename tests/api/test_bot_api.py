"""The bot's API (docs/bot-api.md) over HTTP with the service token: what the action server relies on."""
import pytest

from helpdesk.conversations.models import ConversationState
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.shipments.models import ShipmentStatus
from helpdesk.tickets.models import Ticket
from tests.factories import (
    ConversationFactory,
    DeliveryAttemptFactory,
    DeliveryWindowFactory,
    PickupPointFactory,
    ShipmentFactory,
    TeamFactory,
    TrackingEventFactory,
    business_hours_every_day,
)

pytestmark = pytest.mark.django_db


def url(conversation, tail=""):
    return f"/api/v1/bot/conversations/{conversation.pk}/{tail}"


def test_bot_api_refuses_missing_or_wrong_token(client):
    conversation = ConversationFactory()
    assert client.get(url(conversation, "shipments/")).status_code in (401, 403)
    response = client.get(url(conversation, "shipments/"), HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_agent_login_cannot_use_bot_endpoints(agent_client):
    assert agent_client.get(url(ConversationFactory(), "shipments/")).status_code == 403


def test_unverified_lookup_is_masked(bot_client):
    shipment = ShipmentFactory(recipient_name="Li Wei", status=ShipmentStatus.IN_TRANSIT)
    TrackingEventFactory(shipment=shipment, description="Arrived at Shanghai hub")
    conversation = ConversationFactory(language="zh-hans")
    body = bot_client.get(url(conversation, f"shipments/{shipment.tracking_number.lower()}/")).json()
    assert body["masked"] is True and body["verified"] is False
    assert body["address"] is None and body["proof_of_delivery"] is None
    assert body["recipient_name"] == "L* W*"
    assert body["status_label"] == "运输中"
    assert body["last_event"]["description"] == "Arrived at Shanghai hub"
    assert body["phone_hint"].endswith(shipment.recipient_phone[-4:])


def test_verified_lookup_of_delivered_shipment_shows_proof_of_delivery(bot_client):
    shipment = ShipmentFactory(status=ShipmentStatus.DELIVERED)
    DeliveryAttemptFactory(shipment=shipment, outcome="delivered", reason="", proof_photo_url="https://pod.example/1.jpg",
                           otp_confirmed=True)
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    body = bot_client.get(url(conversation, f"shipments/{shipment.tracking_number}/")).json()
    assert body["masked"] is False
    assert body["address"].startswith("Flat 1201")
    assert body["proof_of_delivery"]["photo_url"] == "https://pod.example/1.jpg"
    assert body["proof_of_delivery"]["method"] == "otp"
    assert body["can_change"] is False


def test_unknown_tracking_number_is_404_with_code(bot_client):
    response = bot_client.get(url(ConversationFactory(), "shipments/ZZ0000000000/"))
    assert response.status_code == 404 and response.json()["code"] == "shipment_not_found"


def test_lookups_are_rate_limited_per_conversation(bot_client):
    shipment = ShipmentFactory()
    conversation = ConversationFactory()
    statuses = [bot_client.get(url(conversation, f"shipments/{shipment.tracking_number}/")).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_customer_shipments_list_uses_channel_phone(bot_client):
    mine = ShipmentFactory(recipient_phone="+8613800000009")
    ShipmentFactory()  # someone else's
    conversation = ConversationFactory(channel="whatsapp", external_user_id="+8613800000009")
    results = bot_client.get(url(conversation, "shipments/")).json()["results"]
    assert [r["tracking_number"] for r in results] == [mine.tracking_number]
    assert results[0]["verified"] is True


def test_reschedule_flow_over_http(bot_client):
    shipment = ShipmentFactory()
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    open_window = DeliveryWindowFactory(station=shipment.station, capacity=3)
    DeliveryWindowFactory(station=shipment.station, start="13:00", end="17:00", capacity=1, booked=1)  # full
    windows = bot_client.get(url(conversation, f"shipments/{shipment.tracking_number}/delivery-windows/")).json()["results"]
    assert [w["id"] for w in windows] == [open_window.id]
    assert windows[0]["remaining"] == 3 and windows[0]["start"] == "09:00"
    response = bot_client.post(url(conversation, f"shipments/{shipment.tracking_number}/reschedule/"),
                               {"window_id": open_window.id}, format="json")
    assert response.status_code == 200
    assert response.json()["promised_window"] == {"date": open_window.date.isoformat(), "start": "09:00", "end": "12:00"}
    assert OutboxEvent.objects.filter(kind="shipment.rescheduled").count() == 1


def test_windows_need_verification(bot_client):
    shipment = ShipmentFactory()
    response = bot_client.get(url(ConversationFactory(), f"shipments/{shipment.tracking_number}/delivery-windows/"))
    assert response.status_code == 403 and response.json()["code"] == "verification_required"


def test_address_change_refused_when_out_for_delivery(bot_client):
    shipment = ShipmentFactory(status=ShipmentStatus.OUT_FOR_DELIVERY)
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    response = bot_client.post(url(conversation, f"shipments/{shipment.tracking_number}/address/"),
                               {"address": "12 New Road, Flat 4"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "shipment_not_changeable"


def test_redirect_to_nearby_locker(bot_client):
    shipment = ShipmentFactory(latitude=31.23, longitude=121.47)
    near = PickupPointFactory(station=shipment.station, latitude=31.231, longitude=121.471)
    far = PickupPointFactory(station=shipment.station, latitude=31.40, longitude=121.60)
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    points = bot_client.get(url(conversation, f"shipments/{shipment.tracking_number}/pickup-points/")).json()["results"]
    assert [p["id"] for p in points] == [near.id, far.id]
    assert points[0]["distance_km"] < points[1]["distance_km"]
    body = bot_client.post(url(conversation, f"shipments/{shipment.tracking_number}/redirect/"),
                           {"pickup_point_id": near.id}, format="json").json()
    assert body["pickup_point"]["id"] == near.id


def test_complaint_creates_ticket_linked_to_shipment_and_conversation(bot_client):
    business_hours_every_day()
    shipment = ShipmentFactory()
    conversation = ConversationFactory()
    response = bot_client.post(url(conversation, "complaints/"), {
        "category": "damaged", "description": "Box crushed, vase broken", "tracking_number": shipment.tracking_number},
        format="json")
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(number=body["ticket_number"])
    assert body["ticket_number"].startswith("T-") and body["urgent"] is True and body["priority"] == "high"
    assert body["first_response_hours"] >= 1
    assert ticket.category == "complaint_damaged" and ticket.conversation == conversation
    assert list(ticket.shipments.all()) == [shipment]
    assert OutboxEvent.objects.get(kind="shipment.complaint_filed").payload["ticket"] == ticket.number


def test_complaint_with_unknown_category_is_400(bot_client):
    response = bot_client.post(url(ConversationFactory(), "complaints/"), {"category": "rude"}, format="json")
    assert response.status_code == 400 and "category" in response.json()["errors"]


def test_handoff_queues_conversation_and_reports_position(bot_client):
    business_hours_every_day()
    TeamFactory(slug="ru-desk", languages=["ru"])
    first = ConversationFactory(language="ru")
    second = ConversationFactory(language="ru")
    assert bot_client.post(url(first, "handoff/"), {"reason": "requested"}, format="json").json()["queue_position"] == 1
    body = bot_client.post(url(second, "handoff/"), {"reason": "fallback"}, format="json").json()
    assert body["queue_position"] == 2
    assert "08:00" in body["business_hours"]
    second.refresh_from_db()
    assert second.state == ConversationState.QUEUED and second.team.slug == "ru-desk" and second.handoff_reason == "fallback"


def test_language_is_remembered_on_conversation_and_customer(bot_client):
    conversation = ConversationFactory()
    assert bot_client.post(url(conversation, "language/"), {"language": "zh-hant"}, format="json").status_code == 204
    conversation.refresh_from_db()
    assert conversation.language == "zh-hant" and conversation.customer.language == "zh-hant"
    assert bot_client.post(url(conversation, "language/"), {"language": "fr"}, format="json").status_code == 400


def test_nps_recorded_once_per_shipment(bot_client):
    shipment = ShipmentFactory(status=ShipmentStatus.DELIVERED)
    conversation = ConversationFactory()
    ok = bot_client.post(url(conversation, "nps/"), {"score": 9, "comment": "fast", "tracking_number": shipment.tracking_number},
                         format="json")
    assert ok.status_code == 201
    again = bot_client.post(url(conversation, "nps/"), {"score": 3, "tracking_number": shipment.tracking_number}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "nps_already_answered"
    bad = bot_client.post(url(conversation, "nps/"), {"score": 11}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "score_invalid"
