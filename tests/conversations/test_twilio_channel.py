"""SMS and WhatsApp through the helpdesk: signed webhooks from the Twilio stand-in, replies through the real
twilio client to the stand-in, STOP honoured, delivery status callbacks, retries without double sends."""
import pytest

from helpdesk.conversations.messaging import (
    agent_reply_send,
    bot_replies_store,
    conversation_inbound_process,
    conversation_outbound_flush,
)
from helpdesk.conversations.models import Conversation, Message
from helpdesk.core.errors import ApplicationError, Conflict
from integrations.base import ProviderError
from integrations.standins.twilio import TwilioStandin
from tests.factories import AgentFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"


@pytest.fixture
def twilio(settings):
    with TwilioStandin() as standin:
        settings.TWILIO = {"account_sid": standin.account_sid, "auth_token": standin.auth_token, "api_base": standin.url,
                           "from_sms": SMS_NUMBER, "from_whatsapp": WA_NUMBER}
        yield standin


@pytest.fixture
def scheduled(monkeypatch):
    """Record what would be queued for the worker (the worker itself runs in the end-to-end tests)."""
    from helpdesk.conversations import tasks

    calls = []
    monkeypatch.setattr(tasks.conversation_process, "delay", lambda cid: calls.append(("process", cid)))
    monkeypatch.setattr(tasks.conversation_outbound_flush, "delay", lambda cid: calls.append(("flush", cid)))
    return calls


def test_signed_sms_is_stored_once_and_answered_with_empty_twiml(twilio, live_server, scheduled):
    url = live_server.url + "/webhooks/twilio/"
    params = twilio.inbound_params(from_="+8613800138000", to=SMS_NUMBER, body="Where is SF1234567890?")
    first = twilio.post_signed(url, params)
    again = twilio.post_signed(url, params)  # Twilio retries when it did not get our answer in time
    assert first.status_code == 200 and first.text.endswith("<Response></Response>")
    assert again.status_code == 200
    message = Message.objects.get()
    assert (message.channel, message.text, message.conversation.external_user_id) == ("sms", "Where is SF1234567890?", "+8613800138000")
    assert scheduled == [("process", message.conversation_id)]


def test_forged_and_unconfigured_webhooks_store_nothing(twilio, live_server, settings, scheduled):
    url = live_server.url + "/webhooks/twilio/"
    params = twilio.inbound_params(from_="+8613800138000", to=SMS_NUMBER, body="hi")
    forged = twilio.post_signed(url, params, signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403 and forged.json()["code"] == "signature_invalid"
    status = twilio.send_status_callback(live_server.url + "/webhooks/twilio/status/", message_sid="SM" + "1" * 32,
                                         status="delivered")
    assert status.status_code == 204
    settings.TWILIO = {**settings.TWILIO, "account_sid": "", "auth_token": ""}
    disabled = twilio.post_signed(url, params)
    assert disabled.status_code == 503 and "not configured" in disabled.json()["detail"]
    assert not Message.objects.exists() and scheduled == []


def test_whatsapp_media_is_kept(twilio, live_server, scheduled):
    twilio.send_inbound(live_server.url + "/webhooks/twilio/", from_="whatsapp:+79161234567", to=WA_NUMBER, body="",
                        media=(("https://api.twilio.com/media/ME1", "image/jpeg"),), profile_name="Ivan")
    message = Message.objects.get()
    assert message.channel == "whatsapp"
    assert message.media == [{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}]
    assert message.conversation.customer.name == "Ivan"


def test_bot_reply_goes_out_through_twilio_with_buttons_as_numbered_options(twilio, live_server, scheduled):
    twilio.send_inbound(live_server.url + "/webhooks/twilio/", from_="+8613800138000", to=SMS_NUMBER, body="hi")
    conversation = Conversation.objects.get()
    bot_replies_store(conversation=conversation, replies=[
        {"text": "Which parcel?", "buttons": [{"title": "SF1234567890", "payload": "/inform"}, {"title": "SF1234567891", "payload": "/inform"}]}])
    assert conversation_outbound_flush(conversation_id=conversation.pk) == 1
    [sent] = twilio.sent_messages
    assert (sent.to, sent.from_) == ("+8613800138000", SMS_NUMBER)
    assert sent.body == "Which parcel?\n1. SF1234567890\n2. SF1234567891"
    message = Message.objects.get(direction="out")
    assert message.delivery_status == "sent" and message.external_id == sent.sid

    # Status callbacks arrive out of order: delivered, then a late "sent" must not move it back.
    callback = live_server.url + "/webhooks/twilio/status/"
    twilio.send_status_callback(callback, message_sid=sent.sid, status="delivered")
    twilio.send_status_callback(callback, message_sid=sent.sid, status="sent")
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


def test_provider_500_then_200_sends_exactly_once(twilio, live_server, scheduled):
    twilio.send_inbound(live_server.url + "/webhooks/twilio/", from_="+8613800138000", to=SMS_NUMBER, body="hi")
    conversation = Conversation.objects.get()
    bot_replies_store(conversation=conversation, replies=[{"text": "first"}, {"text": "second"}])
    twilio.fail_next(1, status=500)
    with pytest.raises(ProviderError) as err:
        conversation_outbound_flush(conversation_id=conversation.pk)
    assert err.value.retryable
    assert [m.delivery_status for m in Message.objects.filter(direction="out").order_by("id")] == ["pending", "pending"]
    conversation_outbound_flush(conversation_id=conversation.pk)  # the retry
    assert [m.body for m in twilio.sent_messages] == ["first", "second"]


def test_stop_opts_out_and_nothing_is_sent_after_it(twilio, live_server, scheduled):
    url = live_server.url + "/webhooks/twilio/"
    twilio.send_inbound(url, from_="+8613800138000", to=SMS_NUMBER, body="stop")
    conversation = Conversation.objects.get()
    conversation_inbound_process(conversation_id=conversation.pk)  # keywords are answered without the bot
    conversation.identity.refresh_from_db()
    assert conversation.identity.opted_out_at is not None
    with pytest.raises(Conflict) as err:
        agent_reply_send(conversation=conversation, agent=AgentFactory(), text="Are you there?")
    assert err.value.code == "customer_opted_out"
    bot_replies_store(conversation=conversation, replies=[{"text": "late bot message"}])
    conversation_outbound_flush(conversation_id=conversation.pk)
    assert twilio.sent_messages == []

    twilio.send_inbound(url, from_="+8613800138000", to=SMS_NUMBER, body="START")
    conversation_inbound_process(conversation_id=conversation.pk)
    conversation_outbound_flush(conversation_id=conversation.pk)
    assert [m.body for m in twilio.sent_messages] == ["You are subscribed again to ParcelDesk messages. Reply HELP for help, STOP to opt out."]


def test_whatsapp_outside_24_hours_needs_a_template(twilio, live_server, scheduled):
    import datetime as dt

    from django.utils import timezone

    twilio.send_inbound(live_server.url + "/webhooks/twilio/", from_="whatsapp:+79161234567", to=WA_NUMBER, body="hi")
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - dt.timedelta(hours=25))
    conversation.refresh_from_db()
    agent = AgentFactory()
    with pytest.raises(Conflict) as err:
        agent_reply_send(conversation=conversation, agent=agent, text="Hello again")
    assert err.value.code == "reply_window_closed"
    with pytest.raises(ApplicationError) as err:  # only a template an admin keeps as approved
        agent_reply_send(conversation=conversation, agent=agent, text="", template_id="HX" + "a" * 32)
    assert err.value.code == "template_unknown"
    MessageTemplateFactory(channel="whatsapp", key="follow_up", provider_template_id="HX" + "a" * 32,
                           body="We have an update for you: reply to continue.", variables={})
    agent_reply_send(conversation=conversation, agent=agent, text="", template_id="HX" + "a" * 32)
    conversation_outbound_flush(conversation_id=conversation.pk)
    [sent] = twilio.sent_messages
    assert sent.params["ContentSid"] == "HX" + "a" * 32 and sent.to == "whatsapp:+79161234567"
