"""Push delivery of the outbox to dispatch over real HTTP: signed, ordered per shipment, retried with backoff
while dispatch is down, and received exactly once."""
import datetime as dt
import threading

import pytest
import requests
from django.db import connection
from django.utils import timezone

from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.push import outbox_event_body
from helpdesk.dispatch.tasks import outbox_push_due
from helpdesk.dispatch.verification import dispatch_signature
from helpdesk.shipments.services import Actor, shipment_address_change, shipment_redirect, shipment_reschedule
from integrations.standins.dispatch import DispatchStandin
from tests.factories import AgentFactory, DeliveryWindowFactory, PickupPointFactory, ShipmentFactory

from .conftest import DISPATCH_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def _changes(shipments, agent):
    """Each shipment gets a reschedule, an address change and a redirect, in that order (three events each)."""
    for shipment in shipments:
        window = DeliveryWindowFactory(station=shipment.station, date=timezone.localdate() + dt.timedelta(days=2))
        point = PickupPointFactory(station=shipment.station)
        shipment_reschedule(shipment=shipment, window_id=window.id, actor=Actor.agent(agent))
        shipment_address_change(shipment=shipment, address="Flat 3, 7 Fuxing Road", actor=Actor.agent(agent))
        shipment_redirect(shipment=shipment, pickup_point_id=point.id, actor=Actor.agent(agent))


def _sweep_until_quiet(rounds=10):
    for _ in range(rounds):
        if not OutboxEvent.objects.filter(pushed_at__isnull=True).exists():
            return
        outbox_push_due()


def test_dispatch_down_for_a_while_gets_every_event_in_order_exactly_once(dispatch, settings, client):
    agent = AgentFactory()
    shipments = [ShipmentFactory() for _ in range(4)]
    port = int(dispatch.url.rsplit(":", 1)[1])
    dispatch.stop()  # down: connections are refused

    _changes(shipments[:2], agent)
    for shipment in shipments[2:]:  # courier scans still come in (dispatch's sending side is up)
        response = client.post("/api/v1/dispatch/events/", **_signed([
            {"id": f"{shipment.tracking_number}-1", "tracking_number": shipment.tracking_number,
             "type": "out_for_delivery", "occurred_at": at(30), "handover_code": "4321"},
            {"id": f"{shipment.tracking_number}-2", "tracking_number": shipment.tracking_number,
             "type": "delivery_attempted", "occurred_at": at(20), "reason": "recipient_absent"},
        ]))
        assert response.json()["applied"] == 2
    events = list(OutboxEvent.objects.order_by("id"))
    assert len(events) == 2 * 3 + 2  # three changes each, one failed attempt each
    assert all(e.pushed_at is None for e in events)
    first_of_each = {e.shipment_id: e for e in reversed(events)}
    for event in events:  # each shipment's first event was tried on commit and failed; the rest wait behind it
        event.refresh_from_db()
        if event is first_of_each[event.shipment_id]:
            assert event.push_attempts >= 1 and "unreachable" in event.push_last_error
    assert OutboxEvent.objects.filter(push_attempts=0).count() == len(events) - len(shipments)

    # Dispatch comes back on the same address, but answers 503 and then 429 for a while.
    restarted = DispatchStandin(secret=DISPATCH_SECRET, port=port).start()
    try:
        restarted.fail_next(3, status=503)
        restarted.fail_next(2, status=429)
        _sweep_until_quiet()
        outbox_push_due()  # once more: nothing left, nothing sent twice

        received = restarted.received
        assert sorted(e.id for e in received) == [e.id for e in events]  # every event, exactly once
        assert restarted.duplicates == 0 and restarted.out_of_order == [] and restarted.forged == 0
        for shipment in shipments:
            ids = [e.id for e in restarted.events_for(shipment.tracking_number)]
            assert ids == sorted(ids)  # in order per shipment
        kinds = [e.kind for e in restarted.events_for(shipments[0].tracking_number)]
        assert kinds == ["shipment.rescheduled", "shipment.address_changed", "shipment.redirected"]
        assert not OutboxEvent.objects.filter(pushed_at__isnull=True).exists()
        assert restarted.requests_seen == len(events) + 5  # the five refused tries, then one each
    finally:
        restarted.stop()


def _signed(events):
    import json

    body = json.dumps({"events": events}).encode()
    return {"data": body, "content_type": "application/json",
            "HTTP_X_DISPATCH_SIGNATURE": dispatch_signature(body, DISPATCH_SECRET)}


def test_concurrent_sweepers_never_send_an_event_twice_or_out_of_order(dispatch, settings):
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": ""}  # record everything first, push later
    agent = AgentFactory()
    shipments = [ShipmentFactory() for _ in range(6)]
    _changes(shipments, agent)
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": dispatch.url + "/outbox"}
    total = OutboxEvent.objects.count()
    errors = []

    def sweeper():
        try:
            for _ in range(6):
                outbox_push_due()
        except Exception as exc:  # pragma: no cover - shown in the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert dispatch.wait_for(total, timeout=10)
    assert len(dispatch.received) == total and dispatch.duplicates == 0 and dispatch.out_of_order == []
    for shipment in shipments:
        ids = [e.id for e in dispatch.events_for(shipment.tracking_number)]
        assert ids == sorted(ids) and len(ids) == 3


def test_a_worker_lost_after_dispatch_answered_resends_with_the_same_key(dispatch, settings):
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": ""}
    shipment = ShipmentFactory()
    _changes([shipment], AgentFactory())
    first = OutboxEvent.objects.order_by("id").first()
    body = outbox_event_body(first)
    # A worker sent the first event and died before recording it: dispatch has it, the outbox does not know.
    requests.post(dispatch.url + "/outbox", data=body, timeout=5, headers={
        "X-Dispatch-Signature": dispatch_signature(body, DISPATCH_SECRET), "Idempotency-Key": str(first.id)})
    OutboxEvent.objects.filter(pk=first.pk).update(push_claimed_until=timezone.now() - dt.timedelta(seconds=1))
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": dispatch.url + "/outbox"}
    _sweep_until_quiet()
    assert [e.id for e in dispatch.received] == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    assert dispatch.duplicates == 1  # the resend carried the same idempotency key and was dropped by dispatch


def test_an_event_dispatch_refuses_for_good_does_not_block_the_shipment(dispatch):
    shipment = ShipmentFactory()
    dispatch.fail_next(1, status=422)
    _changes([shipment], AgentFactory())
    _sweep_until_quiet()
    refused, *rest = OutboxEvent.objects.order_by("id")
    assert refused.pushed_at is not None and "422" in refused.push_last_error
    assert [e.id for e in dispatch.received] == [e.id for e in rest]


def test_wrong_secret_keeps_events_waiting_instead_of_dropping_them(dispatch, settings):
    settings.DISPATCH = {**settings.DISPATCH, "secret": "not-the-shared-secret"}
    _changes([ShipmentFactory()], AgentFactory())
    _sweep_until_quiet(rounds=3)
    assert dispatch.forged >= 1 and dispatch.received == []
    event = OutboxEvent.objects.order_by("id").first()
    assert event.pushed_at is None and "401" in event.push_last_error
    settings.DISPATCH = {**settings.DISPATCH, "secret": DISPATCH_SECRET}  # the operator fixes the secret
    _sweep_until_quiet()
    assert len(dispatch.received) == 3


def test_unset_webhook_url_disables_push_cleanly(dispatch, settings, supervisor_client):
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": ""}
    _changes([ShipmentFactory()], AgentFactory())
    assert outbox_push_due() == 0
    assert dispatch.requests_seen == 0
    assert OutboxEvent.objects.filter(pushed_at__isnull=True, push_attempts=0).count() == 3
    feed = supervisor_client.get("/api/v1/dispatch/feed/?cursor=0").json()  # the pull feed still has them
    assert [e["kind"] for e in feed["events"]] == ["shipment.rescheduled", "shipment.address_changed", "shipment.redirected"]


def test_dispatch_standin_runs_from_the_command_line():
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "integrations.standins.dispatch", "--port", str(port), "--secret", "s"],
                               cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in process.stdout.readline()
        body = b'{"id": 1, "kind": "shipment.rescheduled", "tracking_number": "SF1"}'
        signed = requests.post(f"http://127.0.0.1:{port}/outbox", data=body, timeout=5,
                               headers={"X-Dispatch-Signature": dispatch_signature(body, "s"), "Idempotency-Key": "1"})
        forged = requests.post(f"http://127.0.0.1:{port}/outbox", data=body, timeout=5,
                               headers={"X-Dispatch-Signature": dispatch_signature(body, "other")})
        assert (signed.status_code, forged.status_code) == (200, 401)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_slow_dispatch_gets_shipments_side_by_side_but_each_shipment_one_event_at_a_time(dispatch, settings):
    """After a burst of scans the push must keep up with a dispatch that takes a while to answer: different
    shipments' events are in flight together, while a shipment's next event waits for the answer to the last."""
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": ""}  # record first, push in one go below
    shipments = [ShipmentFactory() for _ in range(6)]
    _changes(shipments, AgentFactory())
    settings.DISPATCH = {**settings.DISPATCH, "webhook_url": dispatch.url + "/outbox", "push_concurrency": 4}
    dispatch.latency = 0.2
    from helpdesk.dispatch.push import outbox_shipments_push

    assert outbox_shipments_push(shipment_ids=[s.pk for s in shipments]) == 18
    assert dispatch.max_in_flight > 1  # side by side ...
    assert dispatch.overlapping == [] and dispatch.out_of_order == []  # ... but never two of one shipment
    assert len(dispatch.received) == 18 and dispatch.duplicates == 0
    for shipment in shipments:
        kinds = [e.kind for e in dispatch.events_for(shipment.tracking_number)]
        assert kinds == ["shipment.rescheduled", "shipment.address_changed", "shipment.redirected"]
    assert not OutboxEvent.objects.filter(pushed_at__isnull=True).exists()
