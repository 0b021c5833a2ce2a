"""The agents' API says whether the channel's reply window is open before anything is sent, and refuses with the
same reason: WhatsApp 24 h (then only a ContentSid template), WeChat 48 h (then only a template message), none on SMS
and web chat."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Message
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def _conversation(channel: str, hours_ago: float, team, user: str = "+447700900999"):
    return ConversationFactory(channel=channel, external_user_id=user, state="agent", team=team,
                               last_inbound_at=timezone.now() - dt.timedelta(hours=hours_ago))


def test_whatsapp_window_open_then_closed_template_only(agent_client, team):
    fresh = _conversation("whatsapp", 23, team)
    window = agent_client.get(f"/api/v1/conversations/{fresh.pk}/").json()["reply_window"]
    assert window["open"] is True and window["hours"] == 24 and window["template_required"] is False
    assert dt.datetime.fromisoformat(window["closes_at"]) > timezone.now()

    stale = _conversation("whatsapp", 25, team, user="+447700900998")
    window = agent_client.get(f"/api/v1/conversations/{stale.pk}/").json()["reply_window"]
    assert window["open"] is False and window["template_required"] is True and "template" in window["detail"]
    refused = agent_client.post(f"/api/v1/conversations/{stale.pk}/messages/", {"text": "Hello again"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "reply_window_closed"
    assert not Message.objects.filter(conversation=stale).exists()  # nothing was queued to send
    listed = {c["id"]: c["reply_window"]["open"] for c in agent_client.get("/api/v1/conversations/").json()["results"]}
    assert listed == {fresh.pk: True, stale.pk: False}


def test_wechat_48_hours_and_channels_without_a_window(agent_client, team):
    wechat = _conversation("wechat", 49, team, user="oWeChatOpenId0001")
    window = agent_client.get(f"/api/v1/conversations/{wechat.pk}/").json()["reply_window"]
    assert window == {**window, "open": False, "hours": 48, "template_required": True}
    assert "48 hours" in window["detail"] and "template message" in window["detail"]
    sms = _conversation("sms", 24 * 30, team)
    assert agent_client.get(f"/api/v1/conversations/{sms.pk}/").json()["reply_window"] == {
        "open": True, "hours": None, "closes_at": None, "template_required": False,
        "detail": "This channel has no reply window."}
