"""Celery tasks of the dispatch link: each takes ids and wraps one service."""
from __future__ import annotations

from celery import shared_task

from . import push


@shared_task(acks_late=True, ignore_result=True)
def outbox_shipments_push(shipment_ids: list[int]) -> int:
    """Push these shipments' waiting outbox events to dispatch, each shipment in order (kicked on commit)."""
    return push.outbox_shipments_push(shipment_ids=shipment_ids)


@shared_task(ignore_result=True)
def outbox_push_due() -> int:
    """Sweeper (beat): schedule a push for every shipment whose next event is due (after a failure or a missed kick)."""
    from .services import outbox_push_kick

    if not push.push_enabled():
        return 0
    shipments = push.outbox_shipments_due()
    outbox_push_kick(shipments)
    return len(shipments)
