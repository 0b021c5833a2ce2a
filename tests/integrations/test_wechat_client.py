"""wechatpy's real WeChatClient, pointed at the WeChat stand-in with WECHAT_API_BASE."""
import pytest
from wechatpy.session.memorystorage import MemoryStorage

from integrations.base import OutboundMessage, ProviderError
from integrations.standins.wechat import WeChatStandin
from integrations.wechat.client import WeChatSender

OPENID = "oTx1s5_Ji4ehSw6MWXqZpsg3GxYs"


@pytest.fixture
def sender(wechat_standin):
    return WeChatSender(wechat_standin.app_id, wechat_standin.app_secret, api_base=wechat_standin.url)


def reply(text="您的包裹明天送达。", key="reply-1", to=OPENID):
    return OutboundMessage(channel="wechat", to=to, text=text, idempotency_key=key)


def test_text_reaches_the_customer_service_api(sender, wechat_standin):
    result = sender.send(reply())
    [sent] = wechat_standin.sent_messages
    assert (sent.touser, sent.msgtype, sent.content) == (OPENID, "text", "您的包裹明天送达。")
    assert result.status == "sent"
    assert result.provider_message_id == "reply-1"


def test_access_token_is_fetched_once_and_cached(sender, wechat_standin):
    for n in range(3):
        sender.send(reply(key=f"r{n}"))
    assert wechat_standin.token_requests == 1
    assert len({sent.access_token for sent in wechat_standin.sent_messages}) == 1


def test_token_store_is_shared_between_senders(wechat_standin):
    store = MemoryStorage()  # the helpdesk passes a Redis storage with the same interface
    WeChatSender(wechat_standin.app_id, wechat_standin.app_secret, wechat_standin.url, store).send(reply(key="a"))
    WeChatSender(wechat_standin.app_id, wechat_standin.app_secret, wechat_standin.url, store).send(reply(key="b"))
    assert wechat_standin.token_requests == 1
    assert len(wechat_standin.sent_messages) == 2


def test_token_is_fetched_again_after_40001_and_the_message_sent_once(sender, wechat_standin):
    sender.send(reply(key="a"))
    wechat_standin.revoke_tokens()  # e.g. another system fetched a token for this app
    sender.send(reply(key="b"))
    assert wechat_standin.token_requests == 2
    first, second = wechat_standin.sent_messages
    assert first.access_token != second.access_token
    assert len(wechat_standin.sent_messages) == 2


def test_token_is_fetched_again_after_42001_expired(sender, wechat_standin):
    sender.send(reply(key="a"))
    wechat_standin.expire_tokens()
    sender.send(reply(key="b"))
    assert wechat_standin.token_requests == 2
    assert len(wechat_standin.sent_messages) == 2


def test_token_near_its_expiry_is_refreshed_before_use(sender, wechat_standin):
    wechat_standin.token_expires_in = 30  # wechatpy refreshes tokens with under 60 s left
    sender.send(reply(key="a"))
    sender.send(reply(key="b"))
    assert wechat_standin.token_requests == 2


def test_persistent_token_errors_retry_only_once(sender, wechat_standin):
    wechat_standin.fail_next(5, errcode=40001)
    with pytest.raises(ProviderError) as refused:
        sender.send(reply())
    assert refused.value.code == "40001"
    assert refused.value.retryable is True
    assert wechat_standin.token_requests == 2  # the first token, then one fresh one for the single retry
    assert wechat_standin.sent_messages == []


def test_outside_the_48_hour_window_is_not_retryable(sender, wechat_standin):
    wechat_standin.close_window(OPENID)
    with pytest.raises(ProviderError) as refused:
        sender.send(reply())
    assert (refused.value.retryable, refused.value.code) == (False, "45015")
    assert wechat_standin.sent_messages == []


def test_system_busy_is_retryable(sender, wechat_standin):
    wechat_standin.fail_next(1, errcode=-1)
    with pytest.raises(ProviderError) as refused:
        sender.send(reply())
    assert (refused.value.retryable, refused.value.code) == (True, "-1")
    sender.send(reply())
    assert len(wechat_standin.sent_messages) == 1


def test_http_5xx_is_retryable(sender, wechat_standin):
    wechat_standin.fail_next(1, status=502)
    with pytest.raises(ProviderError) as refused:
        sender.send(reply())
    assert (refused.value.retryable, refused.value.status) == (True, 502)


def test_wrong_app_secret_is_not_retryable(wechat_standin):
    sender = WeChatSender(wechat_standin.app_id, "wrong-secret", api_base=wechat_standin.url)
    with pytest.raises(ProviderError) as refused:
        sender.send(reply())
    assert (refused.value.retryable, refused.value.code) == (False, "40125")
    assert wechat_standin.token_requests == 1
    assert wechat_standin.sent_messages == []


def test_unreachable_api_is_retryable():
    with WeChatStandin() as standin:
        url, app_id, secret = standin.url, standin.app_id, standin.app_secret
    with pytest.raises(ProviderError) as refused:
        WeChatSender(app_id, secret, api_base=url, timeout=2).send(reply())
    assert refused.value.retryable is True


def test_api_base_may_name_the_cgi_bin_path(wechat_standin):
    WeChatSender(wechat_standin.app_id, wechat_standin.app_secret, api_base=wechat_standin.url + "/cgi-bin/").send(
        reply())
    assert len(wechat_standin.sent_messages) == 1


def test_hanging_token_endpoint_times_out_as_retryable():
    import socket

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        sender = WeChatSender("wx1", "secret", api_base=f"http://{host}:{port}", timeout=0.5)
        with pytest.raises(ProviderError) as refused:
            sender.send(reply())
    assert refused.value.retryable is True
