"""The next-day re-delivery manifest per station: every shipment to retry, with its new window or address or
pickup point and the customer's answer, as JSON and CSV, for dispatch's token and supervisors only."""
import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from helpdesk.dispatch.verification import dispatch_signature
from helpdesk.shipments.services import Actor, shipment_address_change, shipment_redirect, shipment_reschedule
from tests.factories import AgentFactory, DeliveryWindowFactory, PickupPointFactory, ShipmentFactory, StationFactory

pytestmark = pytest.mark.django_db


def fail(client, shipment, minutes_ago=60, reason="recipient_absent"):
    body = json.dumps({"events": [{"id": f"att-{shipment.tracking_number}-{minutes_ago}",
                                   "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                   "occurred_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
                                   "reason": reason}]}).encode()
    response = client.post("/api/v1/dispatch/events/", body, content_type="application/json",
                           HTTP_X_DISPATCH_SIGNATURE=dispatch_signature(body, "test-dispatch-secret"))
    assert response.json()["applied"] == 1


@pytest.fixture
def station_day(client):
    station = StationFactory(code="SHA1")
    agent = Actor.agent(AgentFactory())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    plain, later, locker, moved, delivered = (ShipmentFactory(station=station, status="out_for_delivery",
                                                              tracking_number=f"SF20000000{i}") for i in range(5))
    elsewhere = ShipmentFactory(status="out_for_delivery")
    for shipment in (plain, later, locker, moved, elsewhere):
        fail(client, shipment)
    fail(client, locker, minutes_ago=30, reason="locker_full")
    day_after = DeliveryWindowFactory(station=station, date=tomorrow + dt.timedelta(days=1), start=dt.time(18), end=dt.time(21))
    shipment_reschedule(shipment=later, window_id=day_after.id, actor=agent)
    point = PickupPointFactory(station=station, code="LCK9", name="Locker at Metro Line 2")
    shipment_redirect(shipment=locker, pickup_point_id=point.id, actor=agent)
    shipment_address_change(shipment=moved, address="Neighbour, Flat 1202, 88 Lujiazui Ring Road", actor=agent)
    delivered.status = "delivered"
    delivered.save()
    return {"station": station, "tomorrow": tomorrow, "plain": plain, "later": later, "locker": locker, "moved": moved}


def test_manifest_lists_every_shipment_to_retry_with_where_and_the_customers_answer(station_day, bot_client):
    tomorrow = station_day["tomorrow"]
    response = bot_client.get("/api/v1/dispatch/stations/SHA1/manifest/", {"date": tomorrow.isoformat()})
    assert response.status_code == 200
    body = response.json()
    rows = {row["tracking_number"]: row for row in body["shipments"]}
    plain, locker, moved = station_day["plain"], station_day["locker"], station_day["moved"]
    assert body["count"] == 3 and set(rows) == {plain.tracking_number, locker.tracking_number, moved.tracking_number}
    assert rows[plain.tracking_number]["customer_response"] is None
    assert rows[plain.tracking_number]["destination"]["address"] == plain.address
    assert rows[locker.tracking_number]["destination"]["kind"] == "pickup_point"
    assert rows[locker.tracking_number]["destination"]["pickup_point"] == "LCK9"
    assert rows[locker.tracking_number]["failed_attempts"] == 2
    assert rows[locker.tracking_number]["last_attempt"]["reason"] == "locker_full"
    assert rows[locker.tracking_number]["customer_response"]["kind"] == "redirect"
    assert rows[moved.tracking_number]["destination"]["address"] == "Neighbour, Flat 1202, 88 Lujiazui Ring Road"
    assert rows[moved.tracking_number]["customer_response"]["kind"] == "address_change"

    later = station_day["later"]  # rescheduled to the day after: on that day's manifest, with its window
    next_day = bot_client.get("/api/v1/dispatch/stations/SHA1/manifest/",
                              {"date": (tomorrow + dt.timedelta(days=1)).isoformat()}).json()
    row = next(r for r in next_day["shipments"] if r["tracking_number"] == later.tracking_number)
    assert row["window"]["start"] == "18:00" and row["customer_response"]["kind"] == "reschedule"
    assert row["overdue"] is False
    assert next(r for r in next_day["shipments"] if r["tracking_number"] == plain.tracking_number)["overdue"] is True


def test_manifest_as_csv(station_day, supervisor_client):
    tomorrow = station_day["tomorrow"]
    response = supervisor_client.get("/api/v1/dispatch/stations/SHA1/manifest/",
                                     {"date": tomorrow.isoformat(), "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"manifest_SHA1_{tomorrow.isoformat()}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    locker = next(r for r in rows if r["tracking_number"] == station_day["locker"].tracking_number)
    assert (locker["destination"], locker["pickup_point"], locker["last_attempt_reason"]) == ("pickup_point", "LCK9", "locker_full")
    assert locker["customer_response"].startswith("redirected to LCK9")


def test_manifest_is_for_dispatch_and_supervisors_and_says_what_is_wrong(station_day, client, agent_client, bot_client):
    url = "/api/v1/dispatch/stations/SHA1/manifest/"
    assert client.get(url).status_code in (401, 403)
    assert agent_client.get(url).status_code == 403
    missing = bot_client.get("/api/v1/dispatch/stations/NOPE/manifest/")
    assert missing.status_code == 404 and missing.json()["code"] == "station_not_found"
    garbled = bot_client.get("/api/v1/dispatch/stations/0%00/manifest/")  # found by the schema fuzzer: was a 500
    assert garbled.status_code == 404 and garbled.json()["code"] == "station_not_found"
    bad = bot_client.get(url, {"date": "tomorrow"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    bad_csv = bot_client.get(url, {"date": "2026-13-40", "format": "csv"})
    assert bad_csv.status_code == 400 and bad_csv.content.decode().startswith("code,detail")
    default = bot_client.get(url).json()  # no date: tomorrow's run
    assert default["date"] == station_day["tomorrow"].isoformat() and default["count"] == 3
