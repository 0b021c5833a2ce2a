"""Reads of conversations, scoped to what the viewer's role and team allow."""
from __future__ import annotations

from django.db import connection
from django.db.models import F, Q, QuerySet

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


CUSTOMER_HISTORY_LIMIT = 10


def customer_other_conversations(user, conversation: Conversation, *,
                                 limit: int = CUSTOMER_HISTORY_LIMIT) -> list[Conversation]:
    """The same customer's other conversations the viewer may see, latest activity first: every channel their
    verified phone links to the customer (SMS and WhatsApp by number, WeChat and web chat once a code confirmed it).
    One query, whatever the customer's history; another team's conversations are left out like everywhere else."""
    return list(
        conversations_visible_to(user).select_related(None)
        .filter(customer_id=conversation.customer_id).exclude(pk=conversation.pk)
        .only("id", "channel", "external_user_id", "state", "last_message_at", "created_at", "closed_at")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")[:limit]
    )


def conversation_messages(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("sender").order_by("id")


THREAD_PAGE_SIZE = 50


def conversation_thread(conversation: Conversation, *, before: int | None = None,
                        size: int = THREAD_PAGE_SIZE) -> tuple[list[Message], int | None]:
    """The latest `size` messages (or those before message `before`), oldest first, and the id to page back from.

    Keyset pagination: a conversation with 5 000 messages opens as fast as one with 5.
    """
    qs = conversation_messages(conversation).order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    page = list(qs[: size + 1])
    earlier = page[size - 1].id if len(page) > size else None
    return page[:size][::-1], earlier


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


# Queue counts stop at this many: an exact "48 213 closed" would cost a scan of every closed conversation on
# each page view and each live update, and an agent only needs to know the queue is long.
INBOX_COUNT_CAP = 999


def inbox_counts(user, *, cap: int = INBOX_COUNT_CAP) -> dict[str, int]:
    """How many conversations each queue holds, in one query; a queue with more than `cap` counts as cap + 1."""
    parts, params = [], []
    visible = conversations_visible_to(user)
    for queue in QUEUES:
        sql, queue_params = visible.filter(_queue_filter(user, queue)).values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS {queue}_rows)")
        params.extend(queue_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return dict(zip(QUEUES, cursor.fetchone()))


def _search_filter(search: str) -> Q:
    """Conversations about a tracking number, behind a ticket number, or with a phone (channel id or customer's).

    The candidates are found through each key's own index and united first; an OR across the joined tables
    would make PostgreSQL scan every conversation instead.
    """
    from helpdesk.tickets.models import Ticket

    term = search.upper()
    by_shipment = Conversation.shipments.through.objects.filter(shipment__tracking_number=term).values("conversation_id")
    by_ticket = Ticket.objects.filter(number=term, conversation__isnull=False).values("conversation_id")
    by_channel_id = Conversation.objects.filter(external_user_id=search).values("pk")
    by_phone = Conversation.objects.filter(customer__phone=search).values("pk")
    return Q(pk__in=by_shipment.union(by_ticket, by_channel_id, by_phone))


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
        qs = qs.filter(_search_filter(search))
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
