"""What dispatch sees of self-service: the feed carries preference and return events (written with the change), and
the re-delivery manifest shows each shipment's preference and the return pickups due, in JSON and CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from helpdesk.shipments.models import ShipmentStatus
from tests.dispatch.test_manifest import fail
from tests.factories import ConversationFactory, PickupPointFactory, ShipmentFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def station_with_answers(client, bot_client):
    station = StationFactory(code="SHB1")
    failed = ShipmentFactory(station=station, status="out_for_delivery", tracking_number="SF3000000001")
    fail(client, failed)
    locker = PickupPointFactory(station=station, code="LCK7", name="Metro Locker")
    chat = ConversationFactory(channel="whatsapp", verified_phone=failed.recipient_phone)
    set_pref = bot_client.post(f"/api/v1/bot/conversations/{chat.id}/shipments/{failed.tracking_number}/preference/", {
        "method": "locker", "pickup_point_id": locker.id, "time_slots": ["evening"],
        "instructions": "Code 1234 at the gate"}, format="json")
    assert set_pref.status_code == 200, set_pref.content
    delivered = ShipmentFactory(station=station, status=ShipmentStatus.DELIVERED, tracking_number="SF3000000002",
                                delivered_at=timezone.now() - dt.timedelta(days=1), address="Flat 5, 1 Century Avenue")
    chat2 = ConversationFactory(verified_phone=delivered.recipient_phone)
    started = bot_client.post(f"/api/v1/bot/conversations/{chat2.id}/shipments/{delivered.tracking_number}/return/",
                              {"reason": "wrong_item", "method": "pickup"}, format="json")
    assert started.status_code == 201, started.content
    return {"station": station, "failed": failed, "delivered": delivered, "rtn": started.json()["return_tracking_number"]}


def test_feed_has_the_preference_and_the_return(station_with_answers, bot_client):
    events = bot_client.get("/api/v1/dispatch/feed/?cursor=0").json()["events"]
    by_kind = {e["kind"]: e for e in events}
    preference = by_kind["shipment.delivery_preference_set"]
    assert preference["tracking_number"] == "SF3000000001"
    assert preference["payload"]["preference"]["pickup_point"]["code"] == "LCK7"
    assert preference["payload"]["preference"]["time_slots"] == [{"slot": "evening", "start": "18:00", "end": "21:00"}]
    assert (preference["payload"]["by"], preference["payload"]["channel"]) == ("customer", "whatsapp")
    back = by_kind["shipment.return_requested"]
    assert back["tracking_number"] == station_with_answers["rtn"]
    assert back["payload"]["return"]["original_tracking_number"] == "SF3000000002"
    assert back["payload"]["return"]["pickup_address"]["address"] == "Flat 5, 1 Century Avenue"
    assert back["payload"]["station"] == "SHB1"


def test_manifest_shows_preferences_and_return_pickups(station_with_answers, bot_client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = bot_client.get("/api/v1/dispatch/stations/SHB1/manifest/", {"date": tomorrow}).json()
    [row] = body["shipments"]
    assert row["tracking_number"] == "SF3000000001"
    assert row["delivery_preference"]["method"] == "locker"
    assert row["delivery_preference"]["pickup_point"]["name"] == "Metro Locker"
    assert row["delivery_preference"]["instructions"] == "Code 1234 at the gate"
    [pickup] = body["return_pickups"]
    assert (pickup["return_tracking_number"], pickup["original_tracking_number"]) == (station_with_answers["rtn"],
                                                                                      "SF3000000002")
    assert pickup["pickup_date"] == tomorrow and pickup["pickup_address"]["address"] == "Flat 5, 1 Century Avenue"
    assert pickup["reason"] == "wrong_item" and pickup["overdue"] is False
    # a day earlier the pickup is not due yet
    today = bot_client.get("/api/v1/dispatch/stations/SHB1/manifest/",
                           {"date": timezone.localdate().isoformat()}).json()
    assert today["return_pickups"] == []


def test_manifest_csv_has_the_preference_columns(station_with_answers, supervisor_client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = supervisor_client.get("/api/v1/dispatch/stations/SHB1/manifest/", {"date": tomorrow, "format": "csv"})
    [row] = [r for r in csv.DictReader(io.StringIO(response.content.decode())) if r["task"] == "redelivery"]
    assert (row["preferred_method"], row["preferred_pickup_point"], row["preferred_slots"],
            row["courier_instructions"]) == ("locker", "LCK7", "18:00-21:00", "Code 1234 at the gate")


def test_manifest_csv_lists_the_return_pickups_after_the_redeliveries(station_with_answers, bot_client,
                                                                     supervisor_client):
    """The planners' spreadsheet is the whole run: the courier also collects the return from the customer's door."""
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    url = "/api/v1/dispatch/stations/SHB1/manifest/"
    rows = list(csv.DictReader(io.StringIO(bot_client.get(url, {"date": tomorrow, "format": "csv"}).content.decode())))
    assert [row["task"] for row in rows] == ["redelivery", "return_pickup"]
    pickup = rows[1]
    assert pickup["tracking_number"] == station_with_answers["rtn"]
    assert pickup["original_tracking_number"] == "SF3000000002" and pickup["return_reason"] == "wrong_item"
    assert (pickup["retry_on"], pickup["destination"], pickup["address"]) == (tomorrow, "return_pickup",
                                                                              "Flat 5, 1 Century Avenue")
    assert pickup["recipient_phone"] == station_with_answers["delivered"].recipient_phone  # dispatch's couriers call
    # A supervisor's export is masked like the JSON.
    masked = list(csv.DictReader(io.StringIO(
        supervisor_client.get(url, {"date": tomorrow, "format": "csv"}).content.decode())))[1]
    assert masked["recipient_phone"] != station_with_answers["delivered"].recipient_phone
    assert masked["address"] != "Flat 5, 1 Century Avenue"
