"""The same customer on several channels: a WeChat or web chat identity that proves a phone joins the customer who
texts from that phone, with its conversations, so the API shows one customer's history on every channel."""
import pytest

from helpdesk.conversations.services import conversation_for_identity
from helpdesk.customers.models import Customer
from helpdesk.customers.services import customer_link_verified_phone

pytestmark = pytest.mark.django_db


def test_wechat_identity_joins_the_customer_who_texts_from_that_phone(agent_client):
    sms = conversation_for_identity(channel="sms", external_user_id="+8613912345678")
    wechat = conversation_for_identity(channel="wechat", external_user_id="oWeChatOpenId0001")
    assert wechat.customer_id != sms.customer_id

    owner = customer_link_verified_phone(identity=wechat.identity, phone="+86 139 1234 5678")
    wechat.refresh_from_db()
    wechat.identity.refresh_from_db()
    assert owner.pk == sms.customer_id == wechat.customer_id == wechat.identity.customer_id
    listed = agent_client.get("/api/v1/conversations/", {"customer": owner.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted(c["channel"] for c in rows) == ["sms", "wechat"]
    assert {c["customer_id"] for c in rows} == {owner.pk}


def test_first_verified_phone_is_kept_on_the_web_visitor(db):
    web = conversation_for_identity(channel="webchat", external_user_id="visitor-abcdef123456")
    owner = customer_link_verified_phone(identity=web.identity, phone="+447700900123")
    assert owner.pk == web.customer_id and Customer.objects.get(pk=owner.pk).phone == "+447700900123"
    later = conversation_for_identity(channel="sms", external_user_id="+447700900123")
    assert later.customer_id == owner.pk  # texting from that phone later finds the same customer


def test_phone_channel_identities_never_move(db):
    sms = conversation_for_identity(channel="sms", external_user_id="+447700900124")
    other = conversation_for_identity(channel="sms", external_user_id="+8613912345678")
    assert customer_link_verified_phone(identity=sms.identity, phone="+8613912345678").pk == sms.customer_id
    sms.refresh_from_db()
    assert sms.customer_id != other.customer_id
