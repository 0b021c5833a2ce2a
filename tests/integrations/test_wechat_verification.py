"""WeChat signatures (server URL check, plaintext POST) and AES safe mode, on requests the stand-in really sends."""
import base64
import secrets

import pytest

from integrations.wechat.parsing import PayloadError, parse_inbound
from integrations.wechat.verification import SignatureError, is_valid_signature, verified_xml, verify_server_url

OPENID = "oTx1s5_Ji4ehSw6MWXqZpsg3GxYs"


def open_request(standin, request, **overrides):
    settings = {"token": standin.token, "aes_key": standin.aes_key, "app_id": standin.app_id, **overrides}
    return verified_xml(request.body, query=request.query, **settings)


def test_server_url_verification_echoes_echostr(wechat_standin, webhook_receiver):
    wechat_standin.verify_url(webhook_receiver.url + "/webhooks/wechat/", echostr="8412409291012")
    [request] = webhook_receiver.requests
    q = request.query
    assert request.method == "GET"
    assert verify_server_url(token=wechat_standin.token, signature=q["signature"], timestamp=q["timestamp"],
                             nonce=q["nonce"], echostr=q["echostr"]) == "8412409291012"


def test_server_url_verification_with_another_token_is_refused(wechat_standin, webhook_receiver):
    wechat_standin.verify_url(webhook_receiver.url + "/webhooks/wechat/", token="someone-elses-token")
    [request] = webhook_receiver.requests
    q = request.query
    assert verify_server_url(token=wechat_standin.token, signature=q["signature"], timestamp=q["timestamp"],
                             nonce=q["nonce"], echostr=q["echostr"]) is None


def test_server_url_verification_with_missing_fields_is_refused(wechat_standin):
    assert verify_server_url(token=wechat_standin.token, signature=None, timestamp="1", nonce="2", echostr="3") is None
    assert not is_valid_signature(token="", signature="x", timestamp="1", nonce="2")


def test_plaintext_message_verifies_and_parses(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url + "/webhooks/wechat/", openid=OPENID, content="人工客服")
    [request] = webhook_receiver.requests
    assert "encrypt_type" not in request.query
    message = parse_inbound(open_request(wechat_standin, request))
    assert (message.external_user_id, message.text) == (OPENID, "人工客服")


def test_plaintext_message_with_forged_signature_is_refused(wechat_standin, webhook_receiver):
    xml = wechat_standin.message_xml(openid=OPENID, content="hi")
    wechat_standin.post_xml(webhook_receiver.url, xml, token="forger-token")
    [request] = webhook_receiver.requests
    with pytest.raises(SignatureError):
        open_request(wechat_standin, request)


def test_plaintext_message_with_tampered_timestamp_is_refused(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url, openid=OPENID, content="hi")
    [request] = webhook_receiver.requests
    query = {**request.query, "timestamp": str(int(request.query["timestamp"]) + 1)}
    with pytest.raises(SignatureError):
        verified_xml(request.body, query=query, token=wechat_standin.token)


def test_safe_mode_message_is_decrypted(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url + "/webhooks/wechat/", safe_mode=True, openid=OPENID,
                                content="我要改地址")
    [request] = webhook_receiver.requests
    assert request.query["encrypt_type"] == "aes"
    assert "我要改地址".encode() not in request.body  # really encrypted on the wire
    message = parse_inbound(open_request(wechat_standin, request))
    assert (message.external_user_id, message.text) == (OPENID, "我要改地址")


def test_safe_mode_event_is_decrypted(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url, safe_mode=True, openid=OPENID, msg_type="event",
                                event="subscribe")
    [request] = webhook_receiver.requests
    assert parse_inbound(open_request(wechat_standin, request)).event == "subscribe"


def test_safe_mode_with_forged_msg_signature_is_refused(wechat_standin, webhook_receiver):
    xml = wechat_standin.message_xml(openid=OPENID, content="hi")
    wechat_standin.post_xml(webhook_receiver.url, xml, safe_mode=True, token="forger-token")
    [request] = webhook_receiver.requests
    with pytest.raises(SignatureError):
        open_request(wechat_standin, request)


def test_safe_mode_with_tampered_ciphertext_is_refused(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url, safe_mode=True, openid=OPENID, content="hi")
    [request] = webhook_receiver.requests
    body = request.body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    with pytest.raises(SignatureError):
        verified_xml(body, query=request.query, token=wechat_standin.token, aes_key=wechat_standin.aes_key,
                     app_id=wechat_standin.app_id)


def test_safe_mode_for_another_app_is_refused(wechat_standin, webhook_receiver):
    xml = wechat_standin.message_xml(openid=OPENID, content="hi")
    wechat_standin.post_xml(webhook_receiver.url, xml, safe_mode=True, app_id="wxanotherapp000000")
    [request] = webhook_receiver.requests
    with pytest.raises(SignatureError):
        open_request(wechat_standin, request)


def test_safe_mode_with_the_wrong_aes_key_is_a_payload_error(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url, safe_mode=True, openid=OPENID, content="hi")
    [request] = webhook_receiver.requests
    other_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    with pytest.raises((PayloadError, SignatureError)):
        open_request(wechat_standin, request, aes_key=other_key)


def test_safe_mode_without_a_configured_key_is_a_payload_error(wechat_standin, webhook_receiver):
    wechat_standin.send_message(webhook_receiver.url, safe_mode=True, openid=OPENID, content="hi")
    [request] = webhook_receiver.requests
    with pytest.raises(PayloadError):
        open_request(wechat_standin, request, aes_key="")


def test_safe_mode_with_bad_xml_is_a_payload_error(wechat_standin):
    with pytest.raises(PayloadError):
        verified_xml(b"<xml><Encrypt>", query={"encrypt_type": "aes", "msg_signature": "x", "timestamp": "1",
                                               "nonce": "2"},
                     token=wechat_standin.token, aes_key=wechat_standin.aes_key, app_id=wechat_standin.app_id)
