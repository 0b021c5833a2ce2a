"""Conversation services: identities, handoff, take-over, hand-back, close and bot containment."""
import pytest

from helpdesk.conversations.models import ConversationState, Message
from helpdesk.conversations.services import (
    conversation_close,
    conversation_for_identity,
    conversation_hand_back,
    conversation_handoff,
    conversation_take_over,
)
from helpdesk.core.errors import ApplicationError, Conflict
from helpdesk.customers.models import ChannelIdentity
from tests.factories import AgentFactory, ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_sms_identity_normalises_phone_and_links_existing_customer():
    customer = CustomerFactory(phone="+8613812345678")
    conversation = conversation_for_identity(channel="sms", external_user_id="138 1234 5678")
    assert conversation.external_user_id == "+8613812345678"
    assert conversation.customer == customer
    again = conversation_for_identity(channel="whatsapp", external_user_id="+86 138-1234-5678")
    assert again.customer == customer and again.pk != conversation.pk
    assert ChannelIdentity.objects.filter(customer=customer).count() == 2


def test_same_identity_reuses_the_open_conversation_until_closed():
    first = conversation_for_identity(channel="webchat", external_user_id="visitor-abc")
    assert conversation_for_identity(channel="webchat", external_user_id="visitor-abc") == first
    conversation_close(conversation=first)
    assert conversation_for_identity(channel="webchat", external_user_id="visitor-abc") != first


def test_invalid_phone_is_a_clear_error():
    with pytest.raises(ApplicationError) as err:
        conversation_for_identity(channel="sms", external_user_id="not a phone")
    assert err.value.code == "phone_invalid"


def test_handoff_twice_keeps_one_queue_entry(django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    conversation_handoff(conversation=conversation, reason="requested")
    again = conversation_handoff(conversation=conversation, reason="fallback")
    conversation.refresh_from_db()
    assert again["queue_position"] == 1 and conversation.handoff_reason == "requested"
    assert conversation.messages.filter(sender_kind=Message.SenderKind.SYSTEM).count() == 1


def test_handoff_of_closed_conversation_refused():
    conversation = ConversationFactory(state=ConversationState.CLOSED)
    with pytest.raises(Conflict):
        conversation_handoff(conversation=conversation, reason="requested")


def test_unknown_handoff_reason_refused():
    with pytest.raises(ApplicationError):
        conversation_handoff(conversation=ConversationFactory(), reason="bored")


def test_close_records_whether_the_bot_resolved_it():
    contained = ConversationFactory()
    conversation_close(conversation=contained)
    contained.refresh_from_db()
    assert contained.resolved_by_bot is True and contained.state == "closed" and contained.closed_at

    escalated = ConversationFactory()
    agent = AgentFactory()
    conversation_take_over(conversation=escalated, agent=agent)
    conversation_close(conversation=escalated)
    escalated.refresh_from_db()
    assert escalated.resolved_by_bot is False


def test_hand_back_only_from_agents():
    with pytest.raises(Conflict):
        conversation_hand_back(conversation=ConversationFactory(), agent=AgentFactory())
