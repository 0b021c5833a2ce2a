"""WeChat template messages (POST /cgi-bin/message/template/send) through wechatpy's real client and the stand-in:
the wire format WeChat checks, what it answers, and that templates reach followers after the 48-hour window."""
import pytest
import requests

from integrations.base import OutboundMessage, ProviderError
from integrations.wechat.client import WeChatSender, wechat_value_fit

OPENID = "oTx1s5_Ji4ehSw6MWXqZpsg3GxYs"
TEMPLATE = "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY"


@pytest.fixture
def sender(wechat_standin):
    wechat_standin.add_template(TEMPLATE, ["character_string1", "thing2"])
    return WeChatSender(wechat_standin.app_id, wechat_standin.app_secret, api_base=wechat_standin.url)


def template(values=None, *, template_id=TEMPLATE, key="msg-1", to=OPENID):
    return OutboundMessage(channel="wechat", to=to, text="Tracking number: PD123456789CN", idempotency_key=key,
                           template_id=template_id,
                           template_variables=values or {"character_string1": "PD123456789CN", "thing2": "派送中"})


def test_template_is_sent_as_wechat_wants_it(sender, wechat_standin):
    result = sender.send(template())
    [sent] = wechat_standin.sent_templates
    assert sent.payload == {"touser": OPENID, "template_id": TEMPLATE,
                            "data": {"character_string1": {"value": "PD123456789CN"}, "thing2": {"value": "派送中"}}}
    assert result.provider_message_id == str(sent.msgid)  # what WeChat's TEMPLATESENDJOBFINISH report names
    assert wechat_standin.sent_messages == []  # not a customer-service message


def test_template_reaches_the_follower_after_the_48_hour_window(sender, wechat_standin):
    wechat_standin.close_window(OPENID)
    with pytest.raises(ProviderError) as refused:
        sender.send(OutboundMessage(channel="wechat", to=OPENID, text="free text", idempotency_key="free"))
    assert refused.value.code == "45015" and not refused.value.retryable
    sender.send(template())
    assert [s.touser for s in wechat_standin.sent_templates] == [OPENID]


def test_template_send_fetches_a_new_token_once_after_40001(sender, wechat_standin):
    sender.send(template(key="a"))
    wechat_standin.revoke_tokens()
    sender.send(template(key="b"))
    assert wechat_standin.token_requests == 2 and len(wechat_standin.sent_templates) == 2


@pytest.mark.parametrize("message, errcode", [
    (template(template_id="not-in-the-library-0000"), "40037"),
    (template({"character_string1": "PD123456789CN"}), "47003"),  # thing2 missing
    (template({"character_string1": "PD123456789CN", "thing2": "x" * 21}), "47003"),  # thing takes 20
    (template({"character_string1": "PD123456789CN", "thing2": "  "}), "47003"),
])
def test_refusals_name_the_errcode_and_are_not_retried(sender, wechat_standin, message, errcode):
    with pytest.raises(ProviderError) as refused:
        sender.send(message)
    assert refused.value.code == errcode and not refused.value.retryable
    assert wechat_standin.sent_templates == []


def test_an_unfollowed_user_gets_nothing(sender, wechat_standin):
    wechat_standin.unfollow(OPENID)
    with pytest.raises(ProviderError) as refused:
        sender.send(template())
    assert refused.value.code == "43004" and "require subscribe" in str(refused.value)


def test_busy_wechat_is_retryable(sender, wechat_standin):
    wechat_standin.fail_next(errcode=-1)
    with pytest.raises(ProviderError) as busy:
        sender.send(template())
    assert busy.value.retryable
    sender.send(template())
    assert len(wechat_standin.sent_templates) == 1


@pytest.mark.parametrize("body, errcode", [
    ({"touser": OPENID, "template_id": TEMPLATE, "data": {"character_string1": "PD1", "thing2": "x"}}, 47001),
    ({"touser": OPENID, "template_id": TEMPLATE, "data": [["thing2", "x"]]}, 47001),
    ({"template_id": TEMPLATE, "data": {}}, 40003),
    ({"touser": OPENID, "data": {}}, 40037),
])
def test_the_standin_checks_the_wire_format(wechat_standin, body, errcode):
    wechat_standin.add_template(TEMPLATE, ["character_string1", "thing2"])
    token = requests.get(f"{wechat_standin.url}/cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": wechat_standin.app_id, "secret": wechat_standin.app_secret,
    }).json()["access_token"]
    answer = requests.post(f"{wechat_standin.url}/cgi-bin/message/template/send?access_token={token}", json=body,
                           timeout=5).json()
    assert answer["errcode"] == errcode and wechat_standin.sent_templates == []


def test_values_are_cut_to_what_each_placeholder_type_takes():
    assert wechat_value_fit("thing2", "Delivery attempt failed") == "Delivery attempt fa…"
    assert len(wechat_value_fit("thing2", "x" * 40)) == 20
    assert wechat_value_fit("character_string1", "PD123456789CN") == "PD123456789CN"
    assert wechat_value_fit("keyword1", "Delivery attempt failed") == "Delivery attempt failed"  # classic: no cut
