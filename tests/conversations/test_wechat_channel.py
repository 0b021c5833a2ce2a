"""WeChat through the helpdesk: URL verification, plain and AES safe-mode webhooks from the stand-in,
duplicate MsgId dropped, `success` at once, replies through the real wechatpy client, 48-hour window."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.messaging import (
    agent_reply_send,
    bot_replies_store,
    conversation_inbound_process,
    conversation_outbound_flush,
)
from helpdesk.conversations.models import Conversation, Message
from helpdesk.core.errors import Conflict
from integrations.standins.wechat import WeChatStandin
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)
OPENID = "oABCD1234efgh5678ijkl9012mnop"


@pytest.fixture
def wechat(settings):
    with WeChatStandin() as standin:
        settings.WECHAT = {"token": standin.token, "app_id": standin.app_id, "app_secret": standin.app_secret,
                           "aes_key": standin.aes_key, "api_base": standin.url}
        yield standin


@pytest.fixture
def scheduled(monkeypatch):
    from helpdesk.conversations import tasks

    calls = []
    monkeypatch.setattr(tasks.conversation_process, "delay", lambda cid: calls.append(("process", cid)))
    monkeypatch.setattr(tasks.conversation_outbound_flush, "delay", lambda cid: calls.append(("flush", cid)))
    return calls


def test_server_url_verification(wechat, live_server):
    url = live_server.url + "/webhooks/wechat/"
    ok = wechat.verify_url(url, echostr="1234567890")
    assert ok.status_code == 200 and ok.text == "1234567890"
    assert wechat.verify_url(url, echostr="1", token="not-ours").status_code == 403


@pytest.mark.parametrize("safe_mode", [False, True])
def test_message_stored_once_even_when_wechat_retries(wechat, live_server, scheduled, safe_mode):
    url = live_server.url + "/webhooks/wechat/"
    xml = wechat.message_xml(openid=OPENID, content="我的快递 SF1234567890 到哪了", msg_id="6054768590064713728")
    answers = [wechat.post_xml(url, xml, safe_mode=safe_mode) for _ in range(3)]  # WeChat retries three times
    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 3
    message = Message.objects.get()
    assert (message.channel, message.text, message.external_id) == ("wechat", "我的快递 SF1234567890 到哪了", "6054768590064713728")
    assert len(scheduled) == 1


def test_forged_and_misaddressed_posts_store_nothing(wechat, live_server, scheduled):
    url = live_server.url + "/webhooks/wechat/"
    xml = wechat.message_xml(openid=OPENID, content="hi")
    assert wechat.post_xml(url, xml, token="forged-token").status_code == 403
    assert wechat.post_xml(url, xml, safe_mode=True, app_id="wx_someone_else").status_code == 403
    assert not Message.objects.exists()


def test_reply_sent_through_customer_service_api_and_token_cached(wechat, live_server, scheduled):
    wechat.send_message(live_server.url + "/webhooks/wechat/", openid=OPENID, content="hello")
    conversation = Conversation.objects.get()
    bot_replies_store(conversation=conversation, replies=[{"text": "您好！请发送运单号。"}, {"text": "我们随时为您服务。"}])
    conversation_outbound_flush(conversation_id=conversation.pk)
    assert [(m.touser, m.content) for m in wechat.sent_messages] == [(OPENID, "您好！请发送运单号。"), (OPENID, "我们随时为您服务。")]
    assert wechat.token_requests == 1  # one access_token for both sends


def test_subscribe_greets_and_unsubscribe_stops_messages(wechat, live_server, scheduled):
    url = live_server.url + "/webhooks/wechat/"
    wechat.send_message(url, openid=OPENID, msg_type="event", event="unsubscribe")
    conversation = Conversation.objects.get()
    conversation_inbound_process(conversation_id=conversation.pk)
    conversation.identity.refresh_from_db()
    assert conversation.identity.opted_out_at is not None


def test_agent_reply_outside_48_hours_is_refused_with_reason(wechat, live_server, scheduled):
    wechat.send_message(live_server.url + "/webhooks/wechat/", openid=OPENID, content="hello")
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - dt.timedelta(hours=49))
    conversation.refresh_from_db()
    with pytest.raises(Conflict) as err:
        agent_reply_send(conversation=conversation, agent=AgentFactory(), text="Hi")
    assert err.value.code == "reply_window_closed" and "48 hours" in err.value.detail


def test_unconfigured_wechat_answers_503(live_server, settings):
    import requests

    settings.WECHAT = {"token": "", "app_id": "", "app_secret": "", "aes_key": "", "api_base": ""}
    response = requests.get(live_server.url + "/webhooks/wechat/", timeout=5)
    assert response.status_code == 503 and response.json()["code"] == "channel_disabled"
