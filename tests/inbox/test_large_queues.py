"""The inbox on big data: capped queue counts, a paged thread, search through indexes — in a constant number of queries."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.conversations.models import Conversation
from helpdesk.tickets.services import ticket_create
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def _get(client, path: str, **params) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_a_queue_longer_than_the_cap_shows_999_plus_and_a_short_one_its_exact_count(agent_client, agent):
    team, now = agent.agent_profile.team, timezone.now()
    customer = CustomerFactory()
    Conversation.objects.bulk_create([
        Conversation(customer=customer, channel="webchat", external_user_id=f"visitor-{n}", state="closed", team=team,
                     closed_at=now) for n in range(1000)])
    ConversationFactory.create_batch(2, state="queued", team=team, queued_at=now)

    html, _ = _get(agent_client, "/inbox/")

    assert 'data-count="closed">999+<' in html
    assert 'data-count="waiting">2<' in html


def test_a_long_conversation_opens_on_its_latest_messages_and_pages_back(agent_client, agent):
    convo = ConversationFactory(state="agent", team=agent.agent_profile.team, assignee=agent)
    messages = [MessageFactory(conversation=convo, text=f"msg-{n:03d}") for n in range(1, 61)]

    latest, _ = _get(agent_client, f"/inbox/c/{convo.pk}/")
    assert "msg-060" in latest and "msg-011" in latest and "msg-010" not in latest
    assert f'href="?before={messages[10].id}"' in latest

    earlier, _ = _get(agent_client, f"/inbox/c/{convo.pk}/", before=messages[10].id)
    assert "msg-001" in earlier and "msg-010" in earlier and "msg-011" not in earlier
    assert "Latest messages" in earlier and "Earlier messages" not in earlier


def test_a_conversation_page_costs_the_same_queries_with_5_or_60_messages(agent_client, agent):
    team = agent.agent_profile.team
    short, long = (ConversationFactory(state="agent", team=team, assignee=agent) for _ in range(2))
    MessageFactory.create_batch(5, conversation=short)
    MessageFactory.create_batch(60, conversation=long)

    _, few = _get(agent_client, f"/inbox/c/{short.pk}/")
    _, many = _get(agent_client, f"/inbox/c/{long.pk}/")

    assert few == many


@pytest.mark.parametrize("before", ["abc", "-1", "99999999999999999999999999"])
def test_a_malformed_page_marker_shows_the_latest_messages(agent_client, agent, before):
    convo = ConversationFactory(state="agent", team=agent.agent_profile.team, assignee=agent)
    MessageFactory(conversation=convo, text="the only message")

    html, _ = _get(agent_client, f"/inbox/c/{convo.pk}/", before=before)

    assert "the only message" in html


def test_search_finds_a_conversation_by_tracking_number_phone_or_ticket_number(agent_client, agent):
    team, now = agent.agent_profile.team, timezone.now()
    shipment = ShipmentFactory()
    convo = ConversationFactory(customer=CustomerFactory(phone="+8613912345678"), channel="webchat", state="queued",
                                team=team, queued_at=now)
    convo.shipments.add(shipment)
    by_channel = ConversationFactory(channel="sms", external_user_id="+8613700000001", state="queued", team=team,
                                     queued_at=now)
    other = ConversationFactory(state="queued", team=team, queued_at=now)
    ticket = ticket_create(subject="Late parcel", category="inquiry", conversation=convo, team=team)
    _, unfiltered = _get(agent_client, "/inbox/")

    for term, found in [(shipment.tracking_number.lower(), convo), ("+8613912345678", convo),
                        (ticket.number.lower(), convo), ("+8613700000001", by_channel)]:
        html, queries = _get(agent_client, "/inbox/", q=term)
        shown = {c.pk for c in (convo, by_channel, other) if f'data-conversation="{c.pk}"' in html}
        assert shown == {found.pk}, term
        assert queries == unfiltered, term
