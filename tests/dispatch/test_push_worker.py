"""Dispatch down for a while, with the shipped moving parts: scans over HTTP to the live helpdesk, a real Celery
worker (two processes, with its embedded beat running the sweeper) pushing to the dispatch stand-in, and a pull
consumer reading the feed with its cursor. Nobody nudges anything: when dispatch comes back, every outbox event
arrives, in order per shipment, exactly once, and the pull consumer saw each once too."""
from __future__ import annotations

import datetime as dt
import sys
import time

import pytest
import requests
from django.db import connection
from django.utils import timezone

from helpdesk.dispatch.models import OutboxEvent
from helpdesk.shipments.services import Actor, shipment_address_change, shipment_reschedule
from integrations.standins.dispatch import DispatchStandin
from tests.e2e.conftest import Processes, free_port
from tests.factories import AgentFactory, DeliveryWindowFactory, ShipmentFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]
SECRET = "dispatch-worker-secret"


@pytest.fixture(scope="module")
def dispatch_port():
    return free_port()


@pytest.fixture(scope="module")
def pushing_worker(django_db_setup, django_db_blocker, dispatch_port):
    """A Celery worker (and its beat) configured, like production, with DISPATCH_WEBHOOK_URL and a short backoff."""
    processes = Processes()
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    try:
        worker, log = processes.start("worker", [
            sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "--beat", "--loglevel", "INFO",
            "--schedule", str(processes.logs / "beat-schedule"), "--concurrency", "2", "--without-gossip",
            "--without-mingle", "--hostname", f"dispatch-push-{time.monotonic_ns()}@%h"], {
            "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test", "CELERY_TASK_ALWAYS_EAGER": "false",
            "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "TEST_DISPATCH_WEBHOOK_URL": f"http://127.0.0.1:{dispatch_port}/outbox", "TEST_DISPATCH_SECRET": SECRET,
            "DISPATCH_PUSH_TIMEOUT": "3", "DISPATCH_PUSH_BACKOFF_SECONDS": "1", "DISPATCH_PUSH_BACKOFF_MAX_SECONDS": "4",
        })
        deadline = time.monotonic() + 90
        while "ready" not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield log
    finally:
        processes.stop()


@pytest.fixture
def enqueue_to_the_worker(pushing_worker, settings, dispatch_port):
    """The live helpdesk (this process) hands its tasks to the worker instead of running them inline."""
    from helpdesk.config.celery import app

    settings.DISPATCH = {"webhook_url": f"http://127.0.0.1:{dispatch_port}/outbox", "secret": SECRET}
    app.control.purge()
    eager = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = eager


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


class PullConsumer:
    """Dispatch's second consumer: GET /api/v1/dispatch/feed/ with its own cursor, keeping what it read."""

    def __init__(self, url):
        self.url, self.cursor, self.read = url, 0, []

    def poll(self):
        while True:
            page = requests.get(self.url, params={"cursor": self.cursor, "limit": 7}, timeout=10,
                                headers={"Authorization": "Token test-helpdesk-token"}).json()
            self.read += [event["id"] for event in page["events"]]
            self.cursor = page["next_cursor"]
            if not page["events"]:
                return


def test_dispatch_down_for_a_while_gets_every_event_in_order_once_from_the_real_worker(
        enqueue_to_the_worker, live_server, dispatch_port):
    scans_url = live_server.url + "/api/v1/dispatch/events/"
    sender = DispatchStandin(secret=SECRET)  # dispatch's sending side is up; its receiving side is not (yet)
    puller = PullConsumer(live_server.url + "/api/v1/dispatch/feed/")
    shipments = [ShipmentFactory(status="at_station") for _ in range(8)]
    agent = AgentFactory()

    # While dispatch cannot be reached: courier scans (a code the helpdesk issues, a failed attempt) and then
    # the agent's reschedule and address change, for every shipment.
    for run in (1, 2):
        batch = []
        for shipment in shipments:
            tn = shipment.tracking_number
            if run == 1:
                batch.append({"id": f"{tn}-ofd", "tracking_number": tn, "type": "out_for_delivery",
                              "occurred_at": at(40)})
            else:
                batch.append({"id": f"{tn}-att", "tracking_number": tn, "type": "delivery_attempted",
                              "occurred_at": at(30), "reason": "recipient_absent"})
        response = sender.send_scans(scans_url, batch)
        assert response.status_code == 200 and response.json()["applied"] == len(shipments), response.text
    for shipment in shipments:
        window = DeliveryWindowFactory(station=shipment.station, date=timezone.localdate() + dt.timedelta(days=1))
        shipment_reschedule(shipment=shipment, window_id=window.id, actor=Actor.agent(agent))
        shipment_address_change(shipment=shipment, address="Flat 9, 12 Fuxing Road", actor=Actor.agent(agent))
    expected = list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(expected) == 4 * len(shipments)
    assert wait_until(lambda: OutboxEvent.objects.filter(push_attempts__gt=0).exists(), 30)  # the worker tried
    puller.poll()  # the pull feed does not depend on the push: dispatch's other consumer has everything already
    assert puller.read == expected
    assert not OutboxEvent.objects.filter(pushed_at__isnull=False).exists()

    # Dispatch comes back on its address, but first answers 503, then 429, for a few seconds.
    dispatch = DispatchStandin(secret=SECRET, port=dispatch_port).start()
    try:
        dispatch.fail_for(4, status=503)
        dispatch.fail_next(3, status=429)
        assert wait_until(lambda: len(dispatch.received) >= len(expected), 120), (
            f"{len(dispatch.received)} of {len(expected)} arrived")
        time.sleep(3)  # anything sent twice would arrive now
        assert sorted(e.id for e in dispatch.received) == expected  # every event, once
        assert dispatch.duplicates == 0 and dispatch.out_of_order == [] and dispatch.forged == 0
        for shipment in shipments:
            kinds = [e.kind for e in dispatch.events_for(shipment.tracking_number)]
            assert kinds == ["shipment.handover_code_issued", "shipment.delivery_failed", "shipment.rescheduled",
                             "shipment.address_changed"]
        assert dispatch.requests_seen > len(expected)  # the refused tries happened, and were retried
        assert not OutboxEvent.objects.filter(pushed_at__isnull=True).exists()
        assert not OutboxEvent.objects.exclude(push_last_error="").exists()  # all acknowledged, none refused
        puller.poll()
        assert puller.read == expected  # and the pull consumer got nothing twice
    finally:
        dispatch.stop()
