"""Writes to the dispatch outbox. Callers are already inside the transaction that made the change."""
from __future__ import annotations

import logging

from django.db import transaction

from .models import OutboxEvent

logger = logging.getLogger(__name__)


def _push_kick(shipment_id: int) -> None:
    """Ask a worker to push now; if the broker is unreachable the sweeper (beat) pushes it later."""
    from .tasks import outbox_shipment_push

    try:
        outbox_shipment_push.delay(shipment_id)
    except Exception:  # the change is committed; losing the kick only delays the push
        logger.warning("could not schedule the dispatch push of shipment %s; the sweeper will", shipment_id, exc_info=True)


def outbox_event_record(*, shipment, kind: str, payload: dict) -> OutboxEvent:
    """Record one event for dispatch. Must run in the same transaction as the change it describes."""
    from .push import push_enabled

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox events must be written inside the transaction of the change they describe")
    event = OutboxEvent.objects.create(
        shipment=shipment, tracking_number=shipment.tracking_number, kind=kind, payload=payload
    )
    if push_enabled():
        shipment_id = shipment.pk
        transaction.on_commit(lambda: _push_kick(shipment_id))
    return event
