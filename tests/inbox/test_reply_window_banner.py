"""The agent's conversation page says whether the channel's reply window is open before the agent writes:
WhatsApp 24 h and WeChat 48 h (then only an approved template, offered in the template picker), nothing on SMS."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ConversationFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db


def _page(client, agent, team, channel: str, hours_ago: float, user: str) -> str:
    conversation = ConversationFactory(channel=channel, external_user_id=user, state="agent", team=team,
                                       last_inbound_at=timezone.now() - dt.timedelta(hours=hours_ago))
    client.force_login(agent)
    response = client.get(f"/inbox/c/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_whatsapp_banner_open_then_closed_with_templates(client, agent, team):
    MessageTemplateFactory(channel="whatsapp", key="follow_up", label="Follow-up: reply to continue",
                           provider_template_id="HX" + "c" * 32, body="We have news: reply to continue.", variables={})
    fresh = _page(client, agent, team, "whatsapp", 23, "+447700900301")
    assert "Reply window open (24 h after the customer" in fresh
    assert 'id="template"' in fresh and "optional while the window is open" in fresh
    assert 'data-window-closed="false"' in fresh
    stale = _page(client, agent, team, "whatsapp", 25, "+447700900302")
    assert "The 24-hour reply window is closed: only an approved template can be sent." in stale
    assert "Follow-up: reply to continue" in stale and 'data-window-closed="true"' in stale


def test_wechat_48_hours_and_sms_without_a_window(client, agent, team):
    wechat = _page(client, agent, team, "wechat", 49, "oWeChatOpenId0002")
    assert "The 48-hour reply window is closed" in wechat
    assert "No approved WeChat templates yet: an admin adds them under Admin → Message templates." in wechat
    sms = _page(client, agent, team, "sms", 24 * 30, "+447700900303")
    assert 'id="window"' not in sms and 'id="template"' not in sms
