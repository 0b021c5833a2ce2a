"""Creating, assigning, commenting, resolving tickets, and complaints from customers."""
from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.services import outbox_event_record

from .models import COMPLAINT_CATEGORIES, Category, Priority, SlaPolicy, Ticket, TicketComment, TicketEvent, TicketStatus
from .sla import business_due

DEFAULT_SLA_MINUTES = {  # used when no SlaPolicy row exists for a priority
    Priority.URGENT: (60, 8 * 60),
    Priority.HIGH: (4 * 60, 2 * 8 * 60),
    Priority.NORMAL: (8 * 60, 3 * 8 * 60),
    Priority.LOW: (2 * 8 * 60, 5 * 8 * 60),
}

COMPLAINT_PRIORITY = {
    "complaint_lost": Priority.URGENT,
    "complaint_damaged": Priority.HIGH,
    "complaint_fake_attempt": Priority.HIGH,
    "complaint_courier_conduct": Priority.HIGH,
    "complaint_late": Priority.NORMAL,
    "complaint_other": Priority.NORMAL,
}
URGENT_COMPLAINTS = {"complaint_lost", "complaint_damaged", "complaint_fake_attempt"}


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


def _sla_minutes(priority: str) -> tuple[int, int]:
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy:
        return policy.first_response_minutes, policy.resolution_minutes
    return DEFAULT_SLA_MINUTES[priority]


def _snapshot(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "category": ticket.category,
    }


def _event(ticket: Ticket, *, actor, kind: str, before: dict, after: dict) -> None:
    TicketEvent.objects.create(ticket=ticket, actor=_user_or_none(actor), kind=kind, before=before, after=after)


def ticket_create(
    *,
    subject: str,
    category: str,
    actor=None,
    description: str = "",
    priority: str | None = None,
    customer=None,
    conversation=None,
    shipments=(),
    team=None,
    assignee=None,
    channel: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    if category not in Category.values:
        raise ApplicationError("category_invalid", f"Unknown ticket category {category!r}.")
    priority = priority or COMPLAINT_PRIORITY.get(category, Priority.NORMAL)
    if priority not in Priority.values:
        raise ApplicationError("priority_invalid", f"Unknown priority {priority!r}.")
    now = now or timezone.now()
    first_minutes, resolution_minutes = _sla_minutes(priority)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=f"TMP-{uuid.uuid4().hex}",
            subject=subject[:200],
            description=description,
            category=category,
            priority=priority,
            customer=customer or (conversation.customer if conversation else None),
            conversation=conversation,
            team=team or (conversation.team if conversation else None),
            assignee=assignee,
            channel=channel or (conversation.channel if conversation else "agent_ui"),
            first_response_due=business_due(now, first_minutes),
            resolution_due=business_due(now, resolution_minutes),
        )
        if now != ticket.created_at and now < ticket.created_at:  # back-dated (imports, demo data)
            Ticket.objects.filter(pk=ticket.pk).update(created_at=now)
            ticket.created_at = now
        ticket.number = f"T-{ticket.pk:06d}"
        ticket.save(update_fields=["number"])
        if shipments:
            ticket.shipments.set(shipments)
        _event(ticket, actor=actor, kind="created", before={}, after=_snapshot(ticket))
    return ticket


def complaint_file(*, conversation, category: str, description: str, shipment=None, actor=None,
                   now: dt.datetime | None = None) -> Ticket:
    """A customer's complaint: a ticket linked to the shipment and conversation, and dispatch is told."""
    full_category = category if category.startswith("complaint_") else f"complaint_{category}"
    if full_category not in COMPLAINT_CATEGORIES:
        raise ApplicationError(
            "category_invalid",
            "Category must be one of: late, damaged, lost, courier_conduct, fake_attempt, other.",
        )
    description = (description or "").strip()
    if len(description) > 4000:
        raise ApplicationError("description_too_long", "Keep the description under 4000 characters.")
    label = Category(full_category).label.split(": ", 1)[-1]
    subject = f"{label}" + (f" – {shipment.tracking_number}" if shipment else "")
    with transaction.atomic():
        ticket = ticket_create(
            subject=subject,
            category=full_category,
            description=description,
            conversation=conversation,
            shipments=[shipment] if shipment else (),
            actor=actor,
            now=now,
        )
        if shipment is not None:
            conversation.shipments.add(shipment)
            outbox_event_record(
                shipment=shipment,
                kind=OutboxEvent.Kind.COMPLAINT_FILED,
                payload={"ticket": ticket.number, "category": full_category, "courier": shipment.courier_id,
                         "station": shipment.station.code},
            )
    return ticket


def ticket_assign(*, ticket: Ticket, actor, team=..., assignee=...) -> Ticket:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        before = _snapshot(ticket)
        if team is not ...:
            ticket.team = team
        if assignee is not ...:
            ticket.assignee = assignee
            if assignee is not None and ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
        ticket.save()
        _event(ticket, actor=actor, kind="assigned", before=before, after=_snapshot(ticket))
    return ticket


def ticket_comment_add(*, ticket: Ticket, author, body: str, is_internal: bool = True) -> TicketComment:
    body = (body or "").strip()
    if not body:
        raise ApplicationError("comment_empty", "A comment needs some text.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        comment = TicketComment.objects.create(ticket=ticket, author=_user_or_none(author), body=body, is_internal=is_internal)
        if not is_internal and ticket.first_responded_at is None:
            ticket.first_responded_at = timezone.now()
            ticket.save(update_fields=["first_responded_at", "updated_at"])
        _event(ticket, actor=author, kind="commented", before={}, after={"comment": comment.pk, "internal": is_internal})
    return comment


ALLOWED_TRANSITIONS = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: {TicketStatus.OPEN},
}


def ticket_status_change(*, ticket: Ticket, status: str, actor) -> Ticket:
    if status not in TicketStatus.values:
        raise ApplicationError("status_invalid", f"Unknown status {status!r}.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if status == ticket.status:
            return ticket
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            raise Conflict("transition_invalid", f"A {ticket.status} ticket cannot become {status}.")
        before = _snapshot(ticket)
        ticket.status = status
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            ticket.resolved_at = ticket.resolved_at or timezone.now()
        elif status == TicketStatus.OPEN:
            ticket.resolved_at = None
        ticket.save()
        _event(ticket, actor=actor, kind="status_changed", before=before, after=_snapshot(ticket))
    return ticket


def ticket_resolve(*, ticket: Ticket, actor) -> Ticket:
    return ticket_status_change(ticket=ticket, status=TicketStatus.RESOLVED, actor=actor)
