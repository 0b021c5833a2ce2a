from integrations.registry import build_sender
from integrations.twilio.client import TwilioSender
from integrations.wechat.client import WeChatSender

TWILIO = {"account_sid": "AC" + "a" * 32, "auth_token": "t", "api_base": "", "from_sms": "+15017122661",
          "from_whatsapp": ""}
WECHAT = {"token": "t", "app_id": "wx1", "app_secret": "s", "aes_key": "", "api_base": ""}


def test_configured_channels_get_their_sender():
    assert isinstance(build_sender("sms", TWILIO), TwilioSender)
    assert isinstance(build_sender("wechat", WECHAT), WeChatSender)


def test_unset_settings_disable_the_channel():
    assert build_sender("whatsapp", TWILIO) is None  # no WhatsApp sender number
    assert build_sender("sms", {**TWILIO, "auth_token": ""}) is None
    assert build_sender("sms", {}) is None
    assert build_sender("wechat", {**WECHAT, "app_secret": ""}) is None
    assert build_sender("wechat", None) is None


def test_channels_without_an_outbound_adapter_here():
    assert build_sender("webchat", {"anything": 1}) is None
    assert build_sender("fax", TWILIO) is None


def test_built_sender_delivers_through_the_configured_api_base(twilio_standin):
    config = {**TWILIO, "account_sid": twilio_standin.account_sid, "auth_token": twilio_standin.auth_token,
              "api_base": twilio_standin.url}
    from integrations.base import OutboundMessage

    build_sender("sms", config).send(OutboundMessage(channel="sms", to="+4915112345678", text="hi", idempotency_key="k"))
    assert [m.to for m in twilio_standin.sent_messages] == ["+4915112345678"]
