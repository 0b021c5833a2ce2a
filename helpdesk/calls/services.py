"""Logging a phone call: a closed conversation on the "phone" channel with the agent's notes, linked to shipments and
tickets, so every report that counts conversations counts the call too."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.accounts.services import team_for_language
from helpdesk.conversations.models import Conversation, ConversationState, Message
from helpdesk.core.errors import ApplicationError
from helpdesk.customers.models import ChannelIdentity, Customer, Language
from helpdesk.customers.phones import phone_normalize
from helpdesk.shipments.selectors import shipments_visible_to
from helpdesk.tickets.selectors import tickets_visible_to
from helpdesk.tickets.services import ticket_comment_add

from .models import PHONE_CHANNEL, PhoneCall

MAX_DURATION_SECONDS = 8 * 3600


def _identity_for(number: str) -> ChannelIdentity:
    """The caller's phone identity; a number we know from SMS/WhatsApp or a verified phone joins that customer."""
    identity = ChannelIdentity.objects.select_related("customer").filter(channel=PHONE_CHANNEL, external_id=number).first()
    if identity:
        return identity
    try:
        with transaction.atomic():
            customer = Customer.objects.filter(phone=number).order_by("id").first() or Customer.objects.create(phone=number)
            return ChannelIdentity.objects.create(customer=customer, channel=PHONE_CHANNEL, external_id=number)
    except IntegrityError:  # logged twice at once
        return ChannelIdentity.objects.select_related("customer").get(channel=PHONE_CHANNEL, external_id=number)


def _duration_label(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}"


def phone_call_log(
    *,
    agent,
    direction: str,
    caller_number: str,
    outcome: str,
    duration_seconds: int,
    notes: str = "",
    language: str = "",
    tracking_numbers: list[str] | tuple = (),
    ticket_numbers: list[str] | tuple = (),
    started_at: dt.datetime | None = None,
) -> PhoneCall:
    if direction not in PhoneCall.Direction.values:
        raise ApplicationError("direction_invalid", f"Direction must be one of {', '.join(PhoneCall.Direction.values)}.")
    if outcome not in PhoneCall.Outcome.values:
        raise ApplicationError("outcome_invalid", f"Outcome must be one of {', '.join(PhoneCall.Outcome.values)}.")
    if not 0 <= duration_seconds <= MAX_DURATION_SECONDS:
        raise ApplicationError("duration_invalid", f"A call lasts 0 to {MAX_DURATION_SECONDS} seconds.")
    if language and language not in Language.values:
        raise ApplicationError("language_invalid", f"Language must be one of {', '.join(Language.values)}.")
    number = phone_normalize(caller_number)
    now = timezone.now()
    started_at = started_at or now - dt.timedelta(seconds=duration_seconds)
    if started_at > now + dt.timedelta(minutes=5):
        raise ApplicationError("started_at_in_future", "A call cannot be logged before it happened.")
    ended_at = started_at + dt.timedelta(seconds=duration_seconds)
    wanted = sorted({tn.strip().upper() for tn in tracking_numbers if tn and tn.strip()})
    # Only what the agent may see: another team's shipment or ticket reads as unknown, so logging a call cannot be
    # used to pull another team's work into one's own.
    shipments = list(shipments_visible_to(agent).filter(tracking_number__in=wanted))
    missing = sorted(set(wanted) - {s.tracking_number for s in shipments})
    if missing:
        raise ApplicationError("shipment_not_found", f"No shipment with tracking number {', '.join(missing)}.")
    wanted_tickets = sorted({n.strip().upper() for n in ticket_numbers if n and n.strip()})
    tickets = list(tickets_visible_to(agent).filter(number__in=wanted_tickets))
    missing = sorted(set(wanted_tickets) - {t.number for t in tickets})
    if missing:
        raise ApplicationError("ticket_not_found", f"No ticket {', '.join(missing)}.")

    with transaction.atomic():
        identity = _identity_for(number)
        customer = identity.customer
        language = language or customer.language
        profile = getattr(agent, "agent_profile", None)
        team = (profile.team if profile and profile.team_id else None) or team_for_language(language)
        conversation = Conversation.objects.create(
            customer=customer, identity=identity, channel=PHONE_CHANNEL, external_user_id=number,
            state=ConversationState.CLOSED, language=language, team=team, assignee=agent,
            last_message_at=ended_at, closed_at=ended_at, resolved_by_bot=False,
        )
        # The call happened when it happened: reports put it in the period of the call, not of the logging.
        Conversation.objects.filter(pk=conversation.pk).update(created_at=started_at)
        conversation.created_at = started_at
        if shipments:
            conversation.shipments.set(shipments)
        call = PhoneCall.objects.create(
            conversation=conversation, agent=agent, direction=direction, caller_number=number, outcome=outcome,
            duration_seconds=duration_seconds, notes=notes.strip(), started_at=started_at,
        )
        if tickets:
            call.tickets.set(tickets)
        summary = (f"{call.get_direction_display()} · {_duration_label(duration_seconds)} · {call.get_outcome_display()}")
        Message.objects.create(
            conversation=conversation, direction=Message.Direction.OUTBOUND, sender_kind=Message.SenderKind.AGENT,
            sender=agent, text=f"{summary}\n{call.notes}" if call.notes else summary, is_internal_note=True,
            channel=PHONE_CHANNEL, delivery_status=Message.DeliveryStatus.NOT_SENT,
        )
        for ticket in tickets:
            ticket_comment_add(ticket=ticket, author=agent, is_internal=True,
                               body=f"Phone call #{conversation.pk} ({summary})" + (f": {call.notes}" if call.notes else ""))
    return call
