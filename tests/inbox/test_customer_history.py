"""The conversation page lists the same customer's other conversations (linked by verified phone), with channel,
state, last message time and a link; another customer's and another team's stay out, the phone stays masked, and
the page costs the same queries however long the customer's history is."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.customers.models import ChannelIdentity
from helpdesk.customers.services import customer_link_verified_phone
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613957264913"
LAST_SMS = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.timezone.utc)  # Wed 4 Mar, in Shanghai and in UTC


def _history(client, conversation) -> tuple[str, str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/inbox/c/{conversation.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    card = re.search(r'<div class="card" id="customer-history">(.*?)</ul>', page, re.S)
    assert card, "the conversation page has no 'other conversations' card"
    return page, card.group(1), len(ctx.captured_queries)


def _items(card: str) -> dict[int, str]:
    return {int(pk): body for pk, body in re.findall(r'<li data-other-conversation="(\d+)">(.*?)</li>', card, re.S)}


@pytest.fixture
def linked(agent):
    """A customer who texted by SMS, then wrote on WeChat and confirmed the same phone there with a code."""
    team = agent.agent_profile.team
    customer = CustomerFactory(name="", phone=PHONE)
    sms_identity = ChannelIdentity.objects.create(customer=customer, channel="sms", external_id=PHONE)
    sms = ConversationFactory(channel="sms", external_user_id=PHONE, customer=customer, identity=sms_identity,
                              team=team, state="closed", last_message_at=LAST_SMS, closed_at=LAST_SMS)
    MessageFactory(conversation=sms, text="Where is my parcel?")
    wechat_identity = ChannelIdentity.objects.create(customer=CustomerFactory(name="", phone=""), channel="wechat",
                                                     external_id="o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    wechat = ConversationFactory(channel="wechat", external_user_id=wechat_identity.external_id,
                                 customer=wechat_identity.customer, identity=wechat_identity, team=team, state="agent",
                                 assignee=agent, last_message_at=LAST_SMS + dt.timedelta(days=1))
    customer_link_verified_phone(identity=wechat_identity, phone=PHONE)
    wechat.refresh_from_db()
    assert wechat.customer_id == customer.pk  # the link the page relies on
    # Another customer of the same team, and the same customer with another team: neither belongs on the agent's list.
    stranger = ConversationFactory(channel="whatsapp", external_user_id="+8613700000001",
                                   customer=CustomerFactory(phone="+8613700000001"), team=team, state="queued")
    elsewhere = ConversationFactory(channel="whatsapp", external_user_id=PHONE, customer=customer,
                                    team=TeamFactory(slug="moscow", name="Moscow"), state="queued")
    return customer, sms, wechat, stranger, elsewhere


def test_the_wechat_conversation_lists_the_same_customers_sms_conversation(agent_client, linked):
    _, sms, wechat, stranger, elsewhere = linked
    page, card, _ = _history(agent_client, wechat)

    items = _items(card)
    assert list(items) == [sms.pk]  # not itself, not another customer's, not another team's
    item = items[sms.pk]
    assert f'href="/inbox/c/{sms.pk}/"' in item
    assert "SMS" in item and "Closed" in item and "4 Mar" in item and 'datetime="2026-03-04T' in item
    assert "•••• 4913" in item
    assert PHONE not in page and PHONE[3:] not in page
    assert f"/inbox/c/{stranger.pk}/" not in page and f"/inbox/c/{elsewhere.pk}/" not in page


def test_the_sms_conversation_lists_the_wechat_one_back_and_a_supervisor_sees_every_team(
        agent_client, supervisor_client, linked):
    _, sms, wechat, stranger, elsewhere = linked
    _, card, _ = _history(agent_client, sms)
    assert list(_items(card)) == [wechat.pk]
    assert "WeChat" in _items(card)[wechat.pk]

    _, card, _ = _history(supervisor_client, sms)
    assert set(_items(card)) == {wechat.pk, elsewhere.pk}  # all teams, still only this customer's
    assert stranger.pk not in _items(card)


def test_a_customer_on_one_channel_sees_an_empty_list(agent_client, agent):
    lone = ConversationFactory(channel="webchat", team=agent.agent_profile.team, state="queued")
    _, card, _ = _history(agent_client, lone)
    assert _items(card) == {} and "No other conversations yet." in card


def test_the_page_costs_the_same_queries_with_no_history_or_a_long_one(agent_client, agent, linked):
    customer, sms, wechat, *_ = linked
    team = agent.agent_profile.team
    lone = ConversationFactory(channel="wechat", team=team, state="agent", assignee=agent)
    for n in range(15):  # more than the list shows
        ConversationFactory(channel="sms", external_user_id=PHONE, customer=customer, team=team, state="closed",
                            last_message_at=LAST_SMS - dt.timedelta(days=n + 1))

    _, empty, alone = _history(agent_client, lone)
    _, card, long = _history(agent_client, wechat)

    assert _items(empty) == {} and len(_items(card)) == 10
    assert next(iter(_items(card))) == sms.pk  # the latest activity first
    assert alone == long
