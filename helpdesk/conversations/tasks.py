"""Celery tasks for conversations: each takes ids and wraps one service."""
from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.base import ProviderError

from .rasa import RasaUnavailable, rasa_intent_trigger, rasa_tracker_events_append

logger = logging.getLogger(__name__)

BACKOFF_CAP = 300  # seconds, for the tracker pause/resume tasks


def _backoff(retries: int) -> float:
    """Seconds before the next try while Rasa or a provider is down: doubling from the base, capped."""
    base, cap = settings.CONVERSATION_RETRY_BACKOFF_SECONDS, settings.CONVERSATION_RETRY_BACKOFF_MAX_SECONDS
    return min(cap, base * 2 ** min(retries, 16))


@shared_task(bind=True, max_retries=None, acks_late=True)
def conversation_process(self, conversation_id: int) -> int:
    """Run the conversation's waiting inbound messages through the bot, in order; retried until Rasa answers
    (by one task per conversation: the others end, the one retrying answers all waiting messages)."""
    from .messaging import (
        ConversationBusy,
        conversation_inbound_process,
        conversation_retry_claim,
        conversation_retry_release,
    )

    holder = self.request.id or f"inline-{conversation_id}"
    try:
        processed = conversation_inbound_process(conversation_id=conversation_id, schedule_flush=False)
    except ConversationBusy:
        raise self.retry(countdown=1)
    except RasaUnavailable as exc:
        _outbound_flush_here(conversation_id)  # answers to the messages before the one the bot did not take
        countdown = _backoff(self.request.retries)
        if not conversation_retry_claim(conversation_id, holder=holder, seconds=countdown):
            return 0  # another task is already waiting for the bot on this conversation
        raise self.retry(exc=exc, countdown=countdown)
    conversation_retry_release(conversation_id, holder=holder)
    _outbound_flush_here(conversation_id)
    return processed


def _outbound_flush_here(conversation_id: int) -> None:
    """Send the replies just stored from this task rather than from a second one: a queued flush task cost a publish,
    a delivery and a task run per turn. Also after a redelivery (the worker died before sending): what is pending
    goes. When another worker is sending on this conversation, or the provider fails, the flush task takes over with
    its retries and backoff; nothing already stored is lost (the sweep also finds pending messages)."""
    from .messaging import ConversationBusy, conversation_outbound_flush as flush

    try:
        flush(conversation_id=conversation_id)
    except ConversationBusy:
        conversation_outbound_flush.apply_async((conversation_id,), countdown=1)
    except ProviderError as exc:
        if exc.retryable:
            conversation_outbound_flush.apply_async((conversation_id,), countdown=_backoff(0))
    except Exception:  # noqa: BLE001 - the turn is done and committed; the sending is retried by the flush task
        logger.exception("conversation %s: sending the replies failed; the flush task retries", conversation_id)
        conversation_outbound_flush.apply_async((conversation_id,), countdown=_backoff(0))


@shared_task(bind=True, max_retries=None, acks_late=True)
def conversation_outbound_flush(self, conversation_id: int) -> int:
    """Send the conversation's pending outbound messages, in order; retries provider hiccups with backoff."""
    from .messaging import ConversationBusy, conversation_outbound_flush as flush

    try:
        return flush(conversation_id=conversation_id)
    except ConversationBusy:
        raise self.retry(countdown=1)
    except ProviderError as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries))


@shared_task
def conversations_unstick() -> int:
    """Safety net (beat, every minute): re-schedule conversations whose messages wait longer than they should,
    e.g. after a worker was killed between storing a message and processing it."""
    from .models import Message

    cutoff = timezone.now() - dt.timedelta(seconds=settings.CONVERSATION_STUCK_AFTER_SECONDS)
    waiting = set(
        Message.objects.filter(
            created_at__lt=cutoff,
            direction__in=[Message.Direction.INBOUND, Message.Direction.OUTBOUND],
            delivery_status__in=[Message.DeliveryStatus.RECEIVED, Message.DeliveryStatus.PENDING],
        ).values_list("conversation_id", "direction")
    )
    for conversation_id, direction in waiting:
        (conversation_process if direction == Message.Direction.INBOUND else conversation_outbound_flush).delay(conversation_id)
    return len(waiting)


@shared_task(bind=True, max_retries=None, acks_late=True, autoretry_for=(RasaUnavailable,), retry_backoff=True,
             retry_backoff_max=BACKOFF_CAP)
def rasa_tracker_pause(self, conversation_id: int) -> None:
    rasa_tracker_events_append(conversation_id=conversation_id, events=[{"event": "pause"}])


@shared_task(bind=True, max_retries=None, acks_late=True, autoretry_for=(RasaUnavailable,), retry_backoff=True,
             retry_backoff_max=BACKOFF_CAP)
def rasa_tracker_resume(self, conversation_id: int) -> None:
    """Resume the bot after an agent hands back, and deliver what the bot says on its return."""
    from .messaging import bot_replies_store
    from .models import Conversation

    # The bot's last action was the handoff, which paused it before it could listen; record
    # the listen so the bot's rules see "customer spoke" and greet the customer back.
    rasa_tracker_events_append(conversation_id=conversation_id,
                               events=[{"event": "resume"}, {"event": "action", "name": "action_listen"}])
    replies = rasa_intent_trigger(conversation_id=conversation_id, intent="EXTERNAL_handback")
    if replies:
        bot_replies_store(conversation=Conversation.objects.get(pk=conversation_id), replies=replies)
        conversation_outbound_flush.delay(conversation_id)
