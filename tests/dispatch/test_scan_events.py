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


def _lifecycle(tn, first, second, now):
    """Two delivery runs of one parcel: a slipped ETA, a failed attempt by one courier, a delivery by another."""
    def at(minutes_ago):
        return (now - dt.timedelta(minutes=minutes_ago)).isoformat()

    return [
        {"id": f"{tn}-1", "tracking_number": tn, "type": "in_transit", "occurred_at": at(300),
         "eta": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
        {"id": f"{tn}-2", "tracking_number": tn, "type": "at_station", "occurred_at": at(240),
         "eta": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        {"id": f"{tn}-3", "tracking_number": tn, "type": "out_for_delivery", "occurred_at": at(200), "courier": first,
         "handover_code": "1111"},
        {"id": f"{tn}-4", "tracking_number": tn, "type": "delivery_attempted", "occurred_at": at(180), "courier": first,
         "reason": "recipient_absent", "gps": {"lat": 31.2304, "lng": 121.4737}},
        {"id": f"{tn}-5", "tracking_number": tn, "type": "at_station", "occurred_at": at(120)},
        {"id": f"{tn}-6", "tracking_number": tn, "type": "out_for_delivery", "occurred_at": at(60), "courier": second,
         "handover_code": "2222"},
        {"id": f"{tn}-7", "tracking_number": tn, "type": "delivered", "occurred_at": at(30), "courier": second,
         "proof": {"photo_url": "https://pod.example/1.jpg", "otp_confirmed": True}},
    ]


def _final_state(shipment):
    from helpdesk.surveys.models import NpsSurvey

    shipment.refresh_from_db()
    return {
        "status": shipment.status, "status_changed_at": shipment.status_changed_at, "eta": shipment.eta,
        "courier": shipment.courier.code, "delivered_at": shipment.delivered_at,
        "history": sorted((e.occurred_at, e.status) for e in TrackingEvent.objects.filter(shipment=shipment)),
        "attempts": sorted((a.attempted_at, a.outcome, a.reason, a.courier.code) for a in shipment.attempts.all()),
        "failures_told_to_dispatch": [
            (e.payload["reason"], e.payload["courier"], e.payload["attempt"] is not None)
            for e in OutboxEvent.objects.filter(shipment=shipment, kind="shipment.delivery_failed")],
        "nps_surveys": NpsSurvey.objects.filter(shipment=shipment).count(),
    }


@pytest.mark.parametrize("order", ["reversed, one per batch", "reversed, one batch", "shuffled 1", "shuffled 2",
                                   "shuffled 3", "newest first, then the rest in order"])
def test_events_out_of_order_end_in_the_same_state_as_in_order(client, order):
    import random

    now = timezone.now()
    first, second = CourierFactory(code="C-FIRST"), CourierFactory(code="C-SECOND")
    reference = ShipmentFactory(status="created", eta=timezone.localdate())
    for event in _lifecycle(reference.tracking_number, first.code, second.code, now):
        assert post(client, [event]).json()["applied"] == 1
    expected = _final_state(reference)
    assert expected["status"] == "delivered" and expected["courier"] == "C-SECOND"
    assert expected["eta"] == timezone.localdate() + dt.timedelta(days=3)  # the slipped ETA

    shipment = ShipmentFactory(status="created", eta=timezone.localdate(), station=reference.station)
    events = _lifecycle(shipment.tracking_number, first.code, second.code, now)
    if order == "reversed, one per batch":
        batches = [[e] for e in reversed(events)]
    elif order == "reversed, one batch":
        batches = [list(reversed(events))]
    elif order.startswith("shuffled"):
        rng = random.Random(order)
        rng.shuffle(events)
        cuts = sorted(rng.sample(range(1, len(events)), 2))
        batches = [events[:cuts[0]], events[cuts[0]:cuts[1]], events[cuts[1]:]]
    else:
        batches = [[events[-1]], events[:-1]]
    outcomes = [r["status"] for batch in batches for r in post(client, batch).json()["results"]]
    assert "invalid" not in outcomes and "duplicate" not in outcomes
    assert _final_state(shipment) == expected


def test_a_slipped_eta_arriving_late_still_moves_the_eta_and_tells_the_customer(client):
    from helpdesk.shipments.models import DeliveryNotice

    promised = timezone.localdate() + dt.timedelta(days=1)
    shipment = ShipmentFactory(status="in_transit", eta=promised)
    tn = shipment.tracking_number
    later = (promised + dt.timedelta(days=2)).isoformat()
    post(client, [{"id": "st", "tracking_number": tn, "type": "at_station", "occurred_at": at(30)}])
    late = post(client, [{"id": "hub", "tracking_number": tn, "type": "in_transit", "occurred_at": at(90), "eta": later},
                         {"id": "old", "tracking_number": tn, "type": "in_transit", "occurred_at": at(120),
                          "eta": promised.isoformat()}]).json()
    assert late["stale"] == 2
    shipment.refresh_from_db()
    assert shipment.status == "at_station" and shipment.eta.isoformat() == later  # the older ETA did not win back
    [notice] = DeliveryNotice.objects.filter(shipment=shipment)
    assert notice.kind == "delayed" and notice.payload == {"eta": later, "previous_eta": promised.isoformat()}


def test_a_full_batch_spans_several_transactions_with_the_same_outcome(client):
    """A 1,000-scan batch is applied in slices (each committed on its own, so the first scans reach the feed
    sooner); a parcel's scans that fall into different slices, a repeat in a later slice and an older scan after a
    newer one behave exactly as in one slice, and the batch sent again is all duplicates."""
    from helpdesk.dispatch.scans import SCAN_CHUNK

    filler = [ShipmentFactory(status="in_transit") for _ in range(5)]
    parcel = ShipmentFactory(status="in_transit")
    tn = parcel.tracking_number
    events = [{"id": f"f{i}", "tracking_number": filler[i % 5].tracking_number, "type": "in_transit",
               "occurred_at": at(60)} for i in range(1000)]
    events[10] = {"id": "p1", "tracking_number": tn, "type": "at_station", "occurred_at": at(30)}
    events[SCAN_CHUNK + 10] = {"id": "p2", "tracking_number": tn, "type": "out_for_delivery", "occurred_at": at(20),
                               "eta": timezone.localdate().isoformat()}
    events[2 * SCAN_CHUNK + 10] = {"id": "p1", "tracking_number": tn, "type": "at_station", "occurred_at": at(30)}
    events[3 * SCAN_CHUNK + 10] = {"id": "p0", "tracking_number": tn, "type": "in_transit", "occurred_at": at(40)}
    events[4 * SCAN_CHUNK + 10] = {"id": "p3", "tracking_number": tn, "type": "delivery_attempted",
                                   "reason": "recipient_absent", "occurred_at": at(10)}
    assert len(events) > 4 * SCAN_CHUNK
    body = post(client, events).json()
    by_id = {}
    for result in body["results"]:
        by_id.setdefault(result["id"], []).append(result["status"])
    assert by_id["p1"] == ["applied", "duplicate"] and by_id["p2"] == ["applied"] and by_id["p3"] == ["applied"]
    assert by_id["p0"] == ["stale"]  # older than what the parcel already showed: stored, status not moved back
    assert body["applied"] + body["duplicate"] + body["stale"] + body["invalid"] == 1000
    parcel.refresh_from_db()
    assert parcel.status == "delivery_failed"
    assert OutboxEvent.objects.filter(shipment=parcel, kind="shipment.delivery_failed").count() == 1

    again = post(client, events).json()
    assert again["duplicate"] == 1000 and again["applied"] == 0
