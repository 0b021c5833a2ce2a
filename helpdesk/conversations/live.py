"""Pushes live updates to agents' browsers through Channels groups, after the transaction commits."""
from __future__ import annotations

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 5.0  # seconds; a live update that cannot be sent is logged and dropped, never retried
_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None
_publisher_lock = threading.Lock()


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def inbox_group(team_id: int | None) -> str:
    return f"inbox.team.{team_id or 'none'}"


def webchat_group(visitor_id: str) -> str:
    return f"webchat.{visitor_id}"


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """The process's one event loop for live updates, running in a thread of its own.

    `async_to_sync` from a Celery task starts a new event loop for each call, and the channel layer a new Redis
    connection with it: about 3.5 ms of CPU per group, four to six times per bot turn (bench-hub). Under daphne
    it would queue each send behind the server's own loop, which is busy answering webhooks.
    """
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid():  # a forked worker child starts its own
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-publish", daemon=True).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]


def live_publish(*, groups: list[str], event: dict) -> None:
    """Send `event` to every group once the surrounding transaction has committed."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def send_to_group(group: str) -> None:
            try:
                await layer.group_send(group, {"type": "live.event", "event": event})
            except Exception:  # a dropped live update must never undo a stored change
                logger.warning("live update to %s failed", group, exc_info=True)

        async def send_to_groups() -> None:
            # The groups at once: each group_send is two Redis round trips (more for a group with members), so one
            # after the other an SMS webhook's two groups kept its request thread waiting four round trips; together
            # their commands go out and come back in the same turns of the loop (two). Same CPU, less waiting.
            await asyncio.gather(*(send_to_group(group) for group in groups))

        try:
            asyncio.run_coroutine_threadsafe(send_to_groups(), _publisher_loop()).result(timeout=PUBLISH_TIMEOUT)
        except Exception:
            logger.warning("live update to %s failed", ", ".join(groups), exc_info=True)

    transaction.on_commit(send)
