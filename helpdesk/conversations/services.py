"""Conversation life cycle: bot, queued for agents, with an agent, closed; and who it belongs to."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from helpdesk.accounts.services import team_for_language
from helpdesk.core.errors import ApplicationError, Conflict
from helpdesk.customers.models import Customer, Language
from helpdesk.tickets.sla import business_hours_open_at, business_hours_summary

from .live import conversation_group, inbox_group, live_publish
from .models import Conversation, ConversationState, HandoffReason, Message


def _system_message(conversation: Conversation, text: str) -> Message:
    """A system event in the history (handoff, an agent joining, hand-back), shown live to the agents watching."""
    from .messaging import _publish_message

    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.SYSTEM,
        text=text,
        is_internal_note=True,
        channel=conversation.channel,
        delivery_status=Message.DeliveryStatus.NOT_SENT,
    )
    _publish_message(conversation, message)
    return message


def _publish_state(conversation: Conversation, previous_team_id=None) -> None:
    event = {
        "kind": "conversation.state",
        "conversation": conversation.pk,
        "state": conversation.state,
        "assignee": conversation.assignee_id,
        "assignee_name": (conversation.assignee.get_full_name() or conversation.assignee.get_username())
        if conversation.assignee_id else None,
        "team": conversation.team_id,
    }
    groups = [conversation_group(conversation.pk), inbox_group(conversation.team_id)]
    if previous_team_id != conversation.team_id:
        groups.append(inbox_group(previous_team_id))
    live_publish(groups=groups, event=event)


def conversation_language_set(*, conversation: Conversation, language: str) -> Conversation:
    if language not in Language.values:
        raise ApplicationError("language_invalid", f"Language must be one of {', '.join(Language.values)}.")
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(language=language)
        Customer.objects.filter(pk=conversation.customer_id).update(language=language)
    conversation.language = language
    return conversation


def queue_position(conversation: Conversation) -> int:
    return Conversation.objects.filter(
        state=ConversationState.QUEUED, team=conversation.team_id, queued_at__lte=conversation.queued_at
    ).count()


def conversation_handoff(*, conversation: Conversation, reason: str, pause_bot: bool = True) -> dict:
    """Move a conversation from the bot to the agents' queue; the bot stays paused until hand-back.

    `pause_bot=False` when the bot itself asks (its action returns ConversationPaused): pausing the
    tracker over Rasa's HTTP API while Rasa is still running that action would wait on Rasa's own
    conversation lock.
    """
    if reason not in HandoffReason.values:
        raise ApplicationError("reason_invalid", f"Reason must be one of {', '.join(HandoffReason.values)}.")
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.state == ConversationState.CLOSED:
            raise Conflict("conversation_closed", "This conversation is closed.")
        previous_team = conversation.team_id
        if conversation.state == ConversationState.BOT:
            conversation.state = ConversationState.QUEUED
            conversation.handoff_reason = reason
            conversation.queued_at = timezone.now()
            conversation.team = conversation.team or team_for_language(conversation.language)
            conversation.save(update_fields=["state", "handoff_reason", "queued_at", "team", "updated_at"])
            _system_message(conversation, f"Handed to the agents' queue: {HandoffReason(reason).label}.")
            if pause_bot:
                from .tasks import rasa_tracker_pause

                transaction.on_commit(lambda: rasa_tracker_pause.delay(conversation.pk))
            _publish_state(conversation, previous_team)
    now = timezone.now()
    position = queue_position(conversation) if conversation.state == ConversationState.QUEUED else 0
    return {"queue_position": position, "open_now": business_hours_open_at(now), "business_hours": business_hours_summary()}


def conversation_take_over(*, conversation: Conversation, agent) -> Conversation:
    """An agent takes the conversation (from the queue, or straight from the bot)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.state == ConversationState.CLOSED:
            raise Conflict("conversation_closed", "This conversation is closed.")
        if conversation.state == ConversationState.AGENT and conversation.assignee_id not in (None, agent.pk):
            raise Conflict("conversation_taken", "Another agent already has this conversation.")
        was_bot = conversation.state == ConversationState.BOT
        previous_team = conversation.team_id
        conversation.state = ConversationState.AGENT
        conversation.assignee = agent
        profile = getattr(agent, "agent_profile", None)
        conversation.team = conversation.team or (profile.team if profile else None)
        if was_bot:
            conversation.handoff_reason = HandoffReason.AGENT_TAKEOVER
        conversation.save(update_fields=["state", "assignee", "team", "handoff_reason", "updated_at"])
        _system_message(conversation, f"{agent.get_full_name() or agent.get_username()} joined the conversation.")
        if was_bot:
            from .tasks import rasa_tracker_pause

            transaction.on_commit(lambda: rasa_tracker_pause.delay(conversation.pk))
        _publish_state(conversation, previous_team)
    return conversation


def conversation_hand_back(*, conversation: Conversation, agent) -> Conversation:
    """Give the conversation back to the bot, which resumes and says it is back."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.state not in (ConversationState.QUEUED, ConversationState.AGENT):
            raise Conflict("not_with_agents", "Only a conversation with the agents can be handed back to the bot.")
        conversation.state = ConversationState.BOT
        conversation.assignee = None
        conversation.queued_at = None
        conversation.save(update_fields=["state", "assignee", "queued_at", "updated_at"])
        _system_message(conversation, "Handed back to the bot.")
        from .tasks import rasa_tracker_resume

        transaction.on_commit(lambda: rasa_tracker_resume.delay(conversation.pk))
        _publish_state(conversation, conversation.team_id)
    return conversation


def conversation_close(*, conversation: Conversation, actor=None) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.state == ConversationState.CLOSED:
            return conversation
        agent_joined = conversation.messages.filter(sender_kind=Message.SenderKind.AGENT).exists() or conversation.handoff_reason != ""
        conversation.state = ConversationState.CLOSED
        conversation.closed_at = timezone.now()
        conversation.resolved_by_bot = not agent_joined
        conversation.save(update_fields=["state", "closed_at", "resolved_by_bot", "updated_at"])
        _publish_state(conversation, conversation.team_id)
    return conversation


def conversation_for_identity(*, channel: str, external_user_id: str, display_name: str = "") -> Conversation:
    """The open conversation of this channel identity, or a new one with the bot."""
    from django.db import IntegrityError

    from helpdesk.customers.services import channel_identity_get_or_create

    identity = channel_identity_get_or_create(channel=channel, external_id=external_user_id, display_name=display_name)
    open_states = [ConversationState.BOT, ConversationState.QUEUED, ConversationState.AGENT]
    conversation = Conversation.objects.filter(
        channel=channel, external_user_id=identity.external_id, state__in=open_states
    ).first()
    if conversation:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                customer=identity.customer,
                identity=identity,
                channel=channel,
                external_user_id=identity.external_id,
                language=identity.customer.language,
            )
    except IntegrityError:
        return Conversation.objects.get(channel=channel, external_user_id=identity.external_id, state__in=open_states)
