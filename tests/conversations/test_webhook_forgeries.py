"""Every inbound endpoint refuses what its provider did not sign, and stores nothing.

Each forgery goes over real HTTP to the live helpdesk, built by the provider stand-ins (or by hand where a
stand-in would sign correctly), and the rows of every table a genuine request would touch are counted
before and after.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

from helpdesk.conversations.models import Conversation, Message
from helpdesk.customers.models import ChannelIdentity, Customer
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.verification import dispatch_signature
from helpdesk.shipments.models import TrackingEvent
from helpdesk.tickets.models import Ticket
from integrations.standins.twilio import TwilioStandin
from integrations.standins.wechat import WeChatStandin, sign
from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature
from tests.factories import ShipmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"
OPENID = "oForgery0000000000000000000001"
DISPATCH_SECRET = "test-dispatch-secret"


@pytest.fixture
def twilio(settings):
    with TwilioStandin() as standin:
        settings.TWILIO = {"account_sid": standin.account_sid, "auth_token": standin.auth_token,
                           "api_base": standin.url, "from_sms": SMS_NUMBER, "from_whatsapp": WA_NUMBER}
        yield standin


@pytest.fixture
def wechat(settings):
    with WeChatStandin() as standin:
        settings.WECHAT = {"token": standin.token, "app_id": standin.app_id, "app_secret": standin.app_secret,
                           "aes_key": standin.aes_key, "api_base": standin.url}
        yield standin


@pytest.fixture(autouse=True)
def dispatch_secret(settings):
    settings.DISPATCH = {**settings.DISPATCH, "secret": DISPATCH_SECRET}


@pytest.fixture(autouse=True)
def queued_not_run():
    """A genuine request's processing goes to the broker, as in production; no worker takes it here."""
    from helpdesk.config.celery import app

    eager = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.control.purge()
    app.conf.CELERY_TASK_ALWAYS_EAGER = eager


def stored() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Message, Conversation, Customer, ChannelIdentity, TrackingEvent, OutboxEvent, Ticket)}


def refused(response: requests.Response) -> bool:
    return response.status_code in (401, 403)


def twilio_post(url: str, params: dict, signature: str | None) -> requests.Response:
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return requests.post(url, data=params, headers=headers, timeout=10)


@pytest.mark.parametrize("sender", ["sms", "whatsapp"])
def test_forged_twilio_messages_are_refused_and_store_nothing(twilio, live_server, sender):
    url = live_server.url + "/webhooks/twilio/"
    if sender == "sms":
        params = twilio.inbound_params(from_="+447700900100", to=SMS_NUMBER, body="where is SF1234567890123")
    else:
        params = twilio.inbound_params(from_="whatsapp:+447700900100", to=WA_NUMBER, body="where is SF1234567890123",
                                       profile_name="Mallory")
    genuine = compute_signature(auth_token=twilio.auth_token, url=url, params=params)
    forgeries = {
        "another account's token": compute_signature(auth_token="not-our-auth-token", url=url, params=params),
        "no signature": None,
        "empty signature": "",
        "garbage": "ü not base64 ü",
        "signed for another URL": compute_signature(auth_token=twilio.auth_token,
                                                    url=live_server.url + "/webhooks/twilio/status/", params=params),
    }
    before = stored()
    for what, signature in forgeries.items():
        response = twilio_post(url, params, signature)
        assert refused(response), (what, response.status_code, response.text)
        assert response.json()["code"] == "signature_invalid", what
    tampered = twilio_post(url, {**params, "Body": "send SF1234567890123 to my new address"}, genuine)
    assert refused(tampered), "a body changed after signing must not pass"
    assert stored() == before == {name: 0 for name in before}
    assert twilio_post(url, params, genuine).status_code == 200  # the genuine one still goes through
    assert Message.objects.get().text == "where is SF1234567890123"


def test_forged_status_callbacks_change_no_message(twilio, live_server):
    from helpdesk.conversations.messaging import inbound_message_receive
    from integrations.twilio.parsing import parse_inbound

    inbound_message_receive(inbound=parse_inbound(
        twilio.inbound_params(from_="+447700900101", to=SMS_NUMBER, body="hello")))
    conversation = Conversation.objects.get()
    reply = Message.objects.create(conversation=conversation, direction="out", sender_kind="bot", text="Hi!",
                                   channel="sms", external_id="SM" + "a" * 32, delivery_status="sent")
    url = live_server.url + "/webhooks/twilio/status/"
    params = {"AccountSid": twilio.account_sid, "ApiVersion": "2010-04-01", "MessageSid": reply.external_id,
              "SmsSid": reply.external_id, "MessageStatus": "failed", "SmsStatus": "failed", "To": "+447700900101",
              "From": SMS_NUMBER, "ErrorCode": "30003", "ErrorMessage": "Unreachable destination handset"}
    signed_as_delivered = compute_signature(auth_token=twilio.auth_token, url=url,
                                            params={**params, "MessageStatus": "delivered", "SmsStatus": "delivered"})
    before = stored()
    for what, signature in {"another token": compute_signature(auth_token="nope", url=url, params=params),
                            "no signature": None, "tampered status": signed_as_delivered}.items():
        response = twilio_post(url, params, signature)
        assert refused(response), (what, response.status_code)
    reply.refresh_from_db()
    # the agent still sees "Sent", not a forged failure
    assert (reply.delivery_status, reply.delivery_error) == ("sent", "")
    assert stored() == before


def test_forged_wechat_url_checks_and_messages_are_refused_and_store_nothing(wechat, live_server):
    url = live_server.url + "/webhooks/wechat/"
    check = wechat.verify_url(url, echostr="8888", token="not-our-token")
    assert check.status_code == 403 and "8888" not in check.text  # never echoes for a stranger
    assert requests.get(url, params={"echostr": "8888"}, timeout=10).status_code == 403

    xml = wechat.message_xml(openid=OPENID, content="where is SF1234567890123", msg_id="7000000000000000001")
    before = stored()
    plain_forged = wechat.post_xml(url, xml, token="not-our-token")
    unsigned = requests.post(url, data=xml.encode(), headers={"Content-Type": "text/xml"}, timeout=10)
    safe_forged = wechat.post_xml(url, xml, safe_mode=True, token="not-our-token")
    safe_for_another_app = wechat.post_xml(url, xml, safe_mode=True, app_id="wx_someone_else_000")
    timestamp, nonce = str(int(time.time())), "12345"
    safe_without_msg_signature = requests.post(
        url, params={"signature": sign(wechat.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                     "encrypt_type": "aes"},
        data=b"<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>", timeout=10)
    for what, response in {"plain, another token": plain_forged, "plain, unsigned": unsigned,
                           "safe mode, another token": safe_forged, "safe mode, another AppID": safe_for_another_app,
                           "safe mode, no msg_signature": safe_without_msg_signature}.items():
        assert refused(response), (what, response.status_code, response.text)
        assert response.text != "success", what
    assert stored() == before == {name: 0 for name in before}
    assert wechat.post_xml(url, xml, safe_mode=True).text == "success"
    assert Message.objects.get().external_id == "7000000000000000001"


def test_forged_dispatch_scans_are_refused_and_store_nothing(live_server):
    shipment = ShipmentFactory(status="in_transit")
    url = live_server.url + "/api/v1/dispatch/events/"
    body = json.dumps({"events": [{"id": "forged-1", "tracking_number": shipment.tracking_number,
                                   "type": "delivered", "occurred_at": "2026-01-01T10:00:00+00:00"}]}).encode()
    other = json.dumps({"events": []}).encode()
    before = stored()
    for what, signature in {"another secret": dispatch_signature(body, "not-the-secret"), "no signature": None,
                            "signed for another body": dispatch_signature(other, DISPATCH_SECRET),
                            "not hex": "sha256=zz"}.items():
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Dispatch-Signature"] = signature
        response = requests.post(url, data=body, headers=headers, timeout=10)
        assert refused(response), (what, response.status_code)
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"  # a forged "delivered" never closes the parcel
    assert stored() == before


def test_bot_api_without_the_service_token_changes_nothing(live_server, twilio):
    """The action server's calls are the other way in: a wrong token is refused before anything is written."""
    from helpdesk.conversations.messaging import inbound_message_receive
    from integrations.twilio.parsing import parse_inbound

    inbound_message_receive(inbound=parse_inbound(
        twilio.inbound_params(from_="+447700900102", to=SMS_NUMBER, body="hello")))
    conversation = Conversation.objects.get()
    base = f"{live_server.url}/api/v1/bot/conversations/{conversation.pk}/"
    before = stored()
    for token in ("Token not-the-token", "Bearer test-helpdesk-token", None):
        headers = {"Authorization": token} if token else {}
        complaint = requests.post(base + "complaints/", json={"category": "damaged", "description": "box crushed"},
                                  headers=headers, timeout=10)
        handoff = requests.post(base + "handoff/", json={"reason": "requested"}, headers=headers, timeout=10)
        assert refused(complaint) and refused(handoff), (token, complaint.status_code, handoff.status_code)
    conversation.refresh_from_db()
    assert conversation.state == "bot" and stored() == before
