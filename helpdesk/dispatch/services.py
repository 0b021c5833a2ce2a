"""Writes to the dispatch outbox. Callers are already inside the transaction that made the change."""
from __future__ import annotations

import logging

from django.db import transaction

from .models import OutboxEvent

logger = logging.getLogger(__name__)

PUSH_CHUNK = 25  # shipments per push task: their events are POSTed side by side, a few tasks spread over the workers


def outbox_push_kick(shipment_ids) -> None:
    """Ask the workers to push these shipments' events now; if the broker is unreachable the sweeper does it later."""
    from .tasks import outbox_shipments_push

    ids = sorted(set(shipment_ids))
    try:
        for i in range(0, len(ids), PUSH_CHUNK):
            outbox_shipments_push.delay(ids[i:i + PUSH_CHUNK])
    except Exception:  # the change is committed; losing the kick only delays the push
        logger.warning("could not schedule the dispatch push of %s shipments; the sweeper will", len(ids),
                       exc_info=True)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox events must be written inside the transaction of the change they describe")


def outbox_event_record(*, shipment, kind: str, payload: dict) -> OutboxEvent:
    """Record one event for dispatch. Must run in the same transaction as the change it describes."""
    [event] = outbox_events_record(events=[(shipment, kind, payload)])
    return event


def outbox_events_record(*, events: list[tuple]) -> list[OutboxEvent]:
    """Record (shipment, kind, payload) events in one statement, in the given order (a batch of courier scans).
    After commit the workers are asked to push them (when DISPATCH_WEBHOOK_URL is set)."""
    from .push import push_enabled

    _require_transaction()
    if not events:
        return []
    created = OutboxEvent.objects.bulk_create([
        OutboxEvent(shipment=shipment, tracking_number=shipment.tracking_number, kind=kind, payload=payload)
        for shipment, kind, payload in events
    ])
    if push_enabled():
        shipment_ids = {shipment.pk for shipment, _, _ in events}
        transaction.on_commit(lambda: outbox_push_kick(shipment_ids))
    return created
