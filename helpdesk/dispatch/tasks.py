"""Celery tasks of the dispatch link: each takes ids and wraps one service."""
from __future__ import annotations

from celery import shared_task

from . import push


@shared_task(acks_late=True, ignore_result=True)
def outbox_shipment_push(shipment_id: int) -> int:
    """Push one shipment's waiting outbox events to dispatch, in order (kicked when an event is recorded)."""
    return push.outbox_shipment_push(shipment_id=shipment_id)


@shared_task(ignore_result=True)
def outbox_push_due() -> int:
    """Sweeper (beat): schedule a push for every shipment whose next event is due (after a failure or a missed kick)."""
    if not push.push_enabled():
        return 0
    shipments = push.outbox_shipments_due()
    for shipment_id in shipments:
        outbox_shipment_push.delay(shipment_id)
    return len(shipments)
