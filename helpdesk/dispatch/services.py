"""Writes to the dispatch outbox. Callers are already inside the transaction that made the change."""
from __future__ import annotations

from django.db import transaction

from .models import OutboxEvent


def outbox_event_record(*, shipment, kind: str, payload: dict) -> OutboxEvent:
    """Record one event for dispatch. Must run in the same transaction as the change it describes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox events must be written inside the transaction of the change they describe")
    return OutboxEvent.objects.create(
        shipment=shipment, tracking_number=shipment.tracking_number, kind=kind, payload=payload
    )
