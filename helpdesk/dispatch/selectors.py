"""Reads of the dispatch feed."""
from __future__ import annotations

from .models import OutboxEvent


def outbox_events_after(*, cursor: int, limit: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(id__gt=cursor).order_by("id")[:limit])
