"""Courier scan events from dispatch: HMAC, idempotency, order, per-item errors."""
import datetime as dt
import json

import pytest
from django.utils import timezone

from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.verification import dispatch_signature
from helpdesk.shipments.models import DeliveryAttempt, TrackingEvent
from tests.factories import CourierFactory, ShipmentFactory

pytestmark = pytest.mark.django_db
SECRET = "dispatch-test-secret"


@pytest.fixture(autouse=True)
def dispatch_secret(settings):
    settings.DISPATCH = {"webhook_url": "", "secret": SECRET}


def post(client, events, *, secret=SECRET, body=None):
    raw = body if body is not None else json.dumps({"events": events}).encode()
    return client.post("/api/v1/dispatch/events/", raw, content_type="application/json",
                       HTTP_X_DISPATCH_SIGNATURE=dispatch_signature(raw, secret))


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def test_forged_signature_is_refused_and_nothing_stored(client):
    shipment = ShipmentFactory()
    response = post(client, [{"id": "e1", "tracking_number": shipment.tracking_number, "type": "at_station",
                              "occurred_at": at(5)}], secret="wrong")
    assert response.status_code == 403 and response.json()["code"] == "signature_invalid"
    assert not TrackingEvent.objects.exists()
    unsigned = client.post("/api/v1/dispatch/events/", {"events": []}, content_type="application/json")
    assert unsigned.status_code == 403
    garbled = client.post("/api/v1/dispatch/events/", {"events": []}, content_type="application/json",
                          HTTP_X_DISPATCH_SIGNATURE="sha256=ü")
    assert garbled.status_code == 403 and garbled.json()["code"] == "signature_invalid"


def test_batch_sent_twice_applies_each_event_once(client):
    shipment = ShipmentFactory(status="in_transit")
    events = [
        {"id": "e1", "tracking_number": shipment.tracking_number, "type": "at_station", "occurred_at": at(30)},
        {"id": "e2", "tracking_number": shipment.tracking_number, "type": "out_for_delivery", "occurred_at": at(20),
         "eta": timezone.localdate().isoformat()},
    ]
    first = post(client, events).json()
    second = post(client, events).json()
    assert (first["applied"], first["duplicate"]) == (2, 0)
    assert (second["applied"], second["duplicate"]) == (0, 2)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    shipment.refresh_from_db()
    assert shipment.status == "out_for_delivery" and shipment.eta == timezone.localdate()


def test_out_of_order_events_never_move_the_shipment_backwards(client):
    shipment = ShipmentFactory(status="in_transit")
    tn = shipment.tracking_number
    courier = CourierFactory(station=shipment.station)
    post(client, [{"id": "d", "tracking_number": tn, "type": "delivered", "occurred_at": at(5), "courier": courier.code,
                   "gps": {"lat": 31.23, "lng": 121.47}, "proof": {"photo_url": "https://pod.example/x.jpg", "otp_confirmed": True}}])
    late = post(client, [{"id": "o", "tracking_number": tn, "type": "out_for_delivery", "occurred_at": at(60)},
                         {"id": "s", "tracking_number": tn, "type": "at_station", "occurred_at": at(120)}]).json()
    assert late["stale"] == 2
    shipment.refresh_from_db()
    assert shipment.status == "delivered" and shipment.courier == courier
    attempt = DeliveryAttempt.objects.get(shipment=shipment)
    assert attempt.outcome == "delivered" and attempt.otp_confirmed and str(attempt.latitude) == "31.230000"
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3  # the history keeps every scan


def test_invalid_items_are_reported_and_valid_ones_kept(client):
    shipment = ShipmentFactory(status="out_for_delivery")
    body = post(client, [
        {"id": "ok", "tracking_number": shipment.tracking_number, "type": "delivery_attempted", "occurred_at": at(3),
         "reason": "recipient_absent"},
        {"id": "no-reason", "tracking_number": shipment.tracking_number, "type": "delivery_attempted", "occurred_at": at(2)},
        {"id": "who", "tracking_number": "NOPE123456", "type": "at_station", "occurred_at": at(2)},
        {"id": "naive", "tracking_number": shipment.tracking_number, "type": "at_station", "occurred_at": "2026-01-01T10:00:00"},
        "not an object",
    ]).json()
    assert body["applied"] == 1 and body["invalid"] == 4
    errors = {r["id"]: r["error"] for r in body["results"] if r["status"] == "invalid"}
    assert "reason" in errors["no-reason"] and "unknown tracking_number" in errors["who"] and "time zone" in errors["naive"]
    shipment.refresh_from_db()
    assert shipment.status == "delivery_failed"
    event = OutboxEvent.objects.get(kind="shipment.delivery_failed")
    assert event.payload["reason"] == "recipient_absent"


def test_batch_limits_and_bad_bodies(client):
    assert post(client, [{}] * 1001).json()["code"] == "batch_too_large"
    assert post(client, None, body=b'{"events": "x"}').status_code == 400
    assert post(client, None, body=b"{not json").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_applies_each_event_once(live_server):
    import threading

    from django.db import connection

    from integrations.standins.dispatch import DispatchStandin

    shipments = [ShipmentFactory(status="in_transit") for _ in range(30)]
    events = [{"id": f"{s.tracking_number}-{kind}", "tracking_number": s.tracking_number, "type": kind,
               "occurred_at": at(minutes)} for s in shipments for kind, minutes in (("at_station", 30), ("delivered", 20))]
    sender = DispatchStandin(secret=SECRET)  # only its signed sender is used
    results = []

    def send():
        results.append(sender.send_scans(live_server.url + "/api/v1/dispatch/events/", events).json())
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r["applied"] for r in results) == [0, 0, len(events)]
    assert sum(r["duplicate"] for r in results) == 2 * len(events)
    assert TrackingEvent.objects.count() == len(events) and DeliveryAttempt.objects.count() == len(shipments)
    assert {s.status for s in type(shipments[0]).objects.all()} == {"delivered"}
