"""Reads: phone calls an agent may see, and contacts per channel for the reports (phone calls included)."""
from __future__ import annotations

from django.db.models import Count, QuerySet

from helpdesk.conversations.models import Conversation
from helpdesk.conversations.selectors import conversations_visible_to

from .models import PhoneCall


def phone_calls_visible_to(user) -> QuerySet[PhoneCall]:
    return (PhoneCall.objects.filter(conversation__in=conversations_visible_to(user))
            .select_related("conversation", "agent").prefetch_related("conversation__shipments", "tickets"))


def contacts_by_channel(period) -> list[dict]:
    """Conversations started in the period per channel: chats and logged phone calls alike (a call counts from when
    it was made). Follows the dashboard's channel and language filters."""
    qs = Conversation.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    if period.language:
        qs = qs.filter(language=period.language)
    return list(qs.values("channel").annotate(total=Count("id")).order_by("-total", "channel"))
