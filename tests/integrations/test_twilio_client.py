"""The real twilio-python client, pointed at the Twilio stand-in with TWILIO_API_BASE."""
import json

import pytest

from integrations.base import OutboundMessage, ProviderError
from integrations.standins.twilio import TwilioStandin
from integrations.twilio.client import TwilioSender

SMS_FROM = "+15017122661"
WHATSAPP_FROM = "+14155238886"
CUSTOMER = "+4915112345678"


@pytest.fixture
def sender(twilio_standin):
    return TwilioSender(twilio_standin.account_sid, twilio_standin.auth_token, SMS_FROM, WHATSAPP_FROM,
                        api_base=twilio_standin.url)


def sms(text="Your parcel PX123456789CN arrives tomorrow 9-12.", key="msg-1", to=CUSTOMER):
    return OutboundMessage(channel="sms", to=to, text=text, idempotency_key=key)


def test_sms_is_sent_with_the_right_from_to_and_body(sender, twilio_standin):
    result = sender.send(sms())
    [sent] = twilio_standin.sent_messages
    assert (sent.from_, sent.to, sent.body) == (SMS_FROM, CUSTOMER, "Your parcel PX123456789CN arrives tomorrow 9-12.")
    assert result.provider_message_id == sent.sid
    assert result.provider_message_id.startswith("SM") and len(result.provider_message_id) == 34
    assert result.status == "queued"


def test_whatsapp_text_uses_whatsapp_addresses(sender, twilio_standin):
    sender.send(OutboundMessage(channel="whatsapp", to=CUSTOMER, text="Привет!", idempotency_key="wa-1"))
    [sent] = twilio_standin.sent_messages
    assert sent.from_ == f"whatsapp:{WHATSAPP_FROM}"
    assert sent.to == f"whatsapp:{CUSTOMER}"
    assert sent.body == "Привет!"


def test_whatsapp_template_is_sent_as_content_sid_and_variables(sender, twilio_standin):
    template = "HX" + "b" * 32
    sender.send(OutboundMessage(channel="whatsapp", to=CUSTOMER, text="", idempotency_key="wa-tpl",
                                template_id=template, template_variables={"1": "PX123456789CN", "2": "Friday"}))
    [sent] = twilio_standin.sent_messages
    assert sent.params["ContentSid"] == template
    assert json.loads(sent.params["ContentVariables"]) == {"1": "PX123456789CN", "2": "Friday"}
    assert "Body" not in sent.params
    assert sent.to == f"whatsapp:{CUSTOMER}"


def test_messaging_service_sid_as_sms_sender(twilio_standin):
    service = "MG" + "c" * 32
    sender = TwilioSender(twilio_standin.account_sid, twilio_standin.auth_token, service, "",
                          api_base=twilio_standin.url)
    sender.send(sms())
    [sent] = twilio_standin.sent_messages
    assert sent.params["MessagingServiceSid"] == service
    assert "From" not in sent.params


def test_same_idempotency_key_sends_once(sender, twilio_standin):
    first = sender.send(sms(key="otp-42"))
    again = sender.send(sms(key="otp-42"))
    assert len(twilio_standin.sent_messages) == 1
    assert twilio_standin.sent_messages[0].idempotency_token == "otp-42"
    assert again.provider_message_id == first.provider_message_id
    sender.send(sms(key="otp-43"))
    assert len(twilio_standin.sent_messages) == 2


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_throttling_are_retryable(sender, twilio_standin, status):
    twilio_standin.fail_next(1, status=status)
    with pytest.raises(ProviderError) as refused:
        sender.send(sms(key="retry-me"))
    assert refused.value.retryable is True
    assert refused.value.status == status
    assert twilio_standin.sent_messages == []
    # the caller's retry with the same key then sends exactly one message
    sender.send(sms(key="retry-me"))
    sender.send(sms(key="retry-me"))
    assert len(twilio_standin.sent_messages) == 1


def test_unsubscribed_recipient_is_not_retryable(sender, twilio_standin):
    twilio_standin.reject_recipient(CUSTOMER, code=21610)
    with pytest.raises(ProviderError) as refused:
        sender.send(sms())
    assert refused.value.retryable is False
    assert refused.value.code == "21610"
    assert refused.value.status == 400
    assert twilio_standin.sent_messages == []


def test_outside_whatsapp_window_is_not_retryable(sender, twilio_standin):
    twilio_standin.reject_recipient(CUSTOMER, code=63016,
                                    message="Failed to send freeform message because you are outside the allowed window.")
    with pytest.raises(ProviderError) as refused:
        sender.send(OutboundMessage(channel="whatsapp", to=CUSTOMER, text="Hi", idempotency_key="wa-late"))
    assert (refused.value.retryable, refused.value.code) == (False, "63016")


def test_wrong_auth_token_is_not_retryable(twilio_standin):
    sender = TwilioSender(twilio_standin.account_sid, "wrong-token", SMS_FROM, "", api_base=twilio_standin.url)
    with pytest.raises(ProviderError) as refused:
        sender.send(sms())
    assert (refused.value.retryable, refused.value.status, refused.value.code) == (False, 401, "20003")
    assert twilio_standin.sent_messages == []


def test_unreachable_api_is_retryable():
    with TwilioStandin() as standin:
        url, sid, token = standin.url, standin.account_sid, standin.auth_token
    sender = TwilioSender(sid, token, SMS_FROM, "", api_base=url, timeout=2)
    with pytest.raises(ProviderError) as refused:
        sender.send(sms())
    assert refused.value.retryable is True
    assert refused.value.status is None


def test_channel_without_a_configured_sender_is_refused(twilio_standin):
    sender = TwilioSender(twilio_standin.account_sid, twilio_standin.auth_token, SMS_FROM, "",
                          api_base=twilio_standin.url)
    with pytest.raises(ProviderError) as refused:
        sender.send(OutboundMessage(channel="whatsapp", to=CUSTOMER, text="Hi", idempotency_key="wa-x"))
    assert refused.value.retryable is False
    assert twilio_standin.sent_messages == []


def test_one_sender_shared_by_threads_returns_each_thread_its_own_message(sender, twilio_standin):
    """The chats worker's threads (Procfile: `--pool threads`) share the process's one sender and its requests
    session (integrations.registry). twilio-python's HTTP client stores each response on itself
    (`_test_only_last_response`) and returns it from there; with threads switching as often as the interpreter allows,
    every send must still come back with the SID the stand-in gave that very message."""
    import concurrent.futures
    import sys

    def send(i):
        return i, sender.send(sms(text=f"reply {i}", key=f"thread-msg-{i}"))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(pool.map(send, range(400)))
    finally:
        sys.setswitchinterval(interval)
    sid_of = {m.body: m.sid for m in twilio_standin.sent_messages}
    assert len(sid_of) == 400
    assert {i: r.provider_message_id for i, r in results.items()} == {i: sid_of[f"reply {i}"] for i in range(400)}
