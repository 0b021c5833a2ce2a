"""Pushes live updates to agents' browsers through Channels groups, after the transaction commits."""
from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def inbox_group(team_id: int | None) -> str:
    return f"inbox.team.{team_id or 'none'}"


def webchat_group(visitor_id: str) -> str:
    return f"webchat.{visitor_id}"


def live_publish(*, groups: list[str], event: dict) -> None:
    """Send `event` to every group once the surrounding transaction has committed."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in groups:
            try:
                async_to_sync(layer.group_send)(group, {"type": "live.event", "event": event})
            except Exception:  # a dropped live update must never undo a stored change
                logger.warning("live update to %s failed", group, exc_info=True)

    transaction.on_commit(send)
