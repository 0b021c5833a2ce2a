"""Reads of conversations, scoped to what the viewer's role and team allow."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Conversation, Message


def conversations_visible_to(user) -> QuerySet[Conversation]:
    """Supervisors see all; agents see their team's conversations and unrouted ones (no team yet)."""
    profile = getattr(user, "agent_profile", None)
    qs = Conversation.objects.select_related("customer", "assignee", "team")
    if profile is None:
        return qs.none()
    if profile.sees_all_teams:
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team_id=profile.team_id))


def conversation_messages(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("sender").order_by("id")


QUEUES = ("waiting", "mine", "team", "bot", "closed")


def _queue_filter(user, queue: str) -> Q:
    from .models import ConversationState

    profile = user.agent_profile
    if queue == "waiting":
        return Q(state=ConversationState.QUEUED)
    if queue == "mine":
        return Q(state=ConversationState.AGENT, assignee=user)
    if queue == "team":
        scope = Q() if profile.sees_all_teams else Q(team_id=profile.team_id)
        return scope & Q(state__in=[ConversationState.QUEUED, ConversationState.AGENT])
    if queue == "bot":
        return Q(state=ConversationState.BOT)
    return Q(state=ConversationState.CLOSED)


def inbox_counts(user) -> dict[str, int]:
    """How many conversations each queue holds, in one query."""
    from django.db.models import Count

    visible = conversations_visible_to(user)
    counts = visible.aggregate(**{queue: Count("id", filter=_queue_filter(user, queue)) for queue in QUEUES})
    return counts


def inbox_conversations(user, *, queue: str = "waiting", channel: str = "", language: str = "", search: str = "",
                        sla_soon: bool = False, limit: int = 50):
    """One queue of the inbox, newest activity first, with the last message — a constant number of queries."""
    import datetime as dt

    from django.db.models import Exists, OuterRef, Subquery
    from django.utils import timezone

    from helpdesk.tickets.models import Ticket, TicketStatus

    qs = conversations_visible_to(user).filter(_queue_filter(user, queue if queue in QUEUES else "waiting"))
    if channel:
        qs = qs.filter(channel=channel)
    if language:
        qs = qs.filter(language=language)
    search = search.strip()
    if search:
        term = search.upper()
        qs = qs.filter(
            Q(shipments__tracking_number=term)
            | Q(external_user_id=search)
            | Q(customer__phone=search)
            | Q(tickets__number=term)
        ).distinct()
    if sla_soon:
        soon = timezone.now() + dt.timedelta(hours=1)
        open_statuses = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING]
        qs = qs.filter(Exists(Ticket.objects.filter(
            conversation=OuterRef("pk"), status__in=open_statuses
        ).filter(Q(first_responded_at__isnull=True, first_response_due__lte=soon) | Q(resolution_due__lte=soon))))
    last = Message.objects.filter(conversation=OuterRef("pk"), is_internal_note=False).order_by("-id")
    qs = qs.annotate(last_text=Subquery(last.values("text")[:1]), last_sender=Subquery(last.values("sender_kind")[:1]))
    order = "-closed_at" if queue == "closed" else ("queued_at" if queue == "waiting" else "-last_message_at")
    return list(qs.order_by(order, "-id")[:limit])
