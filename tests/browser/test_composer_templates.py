"""The composer in a real browser: a canned reply in the customer's language, and the template picker when the
WhatsApp (24 h) or WeChat (48 h) window is closed, each followed to the stand-in provider the worker sends to."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Message
from tests.browser.conftest import eventually, log_in
from tests.factories import ConversationFactory, MessageFactory, MessageTemplateFactory, ShipmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPENID = "oWeChatCustomer0001abcdefghij"


def agent_chat(team, agent, *, channel: str, external_user_id: str, language: str, hours_since_customer: float):
    """A conversation the agent already has, about one shipment, the customer's last message some hours ago."""
    last = timezone.now() - dt.timedelta(hours=hours_since_customer)
    shipment = ShipmentFactory(tracking_number="PD246813579CN", status="delivery_failed")
    conversation = ConversationFactory(channel=channel, external_user_id=external_user_id, team=team, state="agent",
                                       assignee=agent, language=language, last_inbound_at=last, last_message_at=last)
    MessageFactory(conversation=conversation, text="Where is my parcel PD246813579CN?")
    Message.objects.filter(conversation=conversation).update(created_at=last)
    conversation.shipments.add(shipment)
    return conversation


def test_canned_reply_in_the_customers_language_reaches_twilio(page, agent, team, phones):
    conversation = agent_chat(team, agent, channel="sms", external_user_id="+79161234567", language="ru",
                              hours_since_customer=0.1)
    log_in(page, agent.username, next_url=f"/inbox/c/{conversation.pk}/")
    assert page.locator("#template-picker").count() == 0  # SMS has no window and no templates
    options = page.locator("#canned option").all_inner_texts()
    assert any(o.startswith("Спасибо за ожидание") for o in options), options  # Russian, the customer's language
    page.select_option("#canned", label=next(o for o in options if o.startswith("Спасибо за ожидание")))
    expected = "Спасибо за ожидание. Я уточняю информацию в пункте доставки."
    assert page.input_value("#text") == expected  # the agent may still edit it before sending
    page.click("#send")
    page.locator("#thread .msg.agent", has_text="Спасибо за ожидание").locator(".status", has_text="Sent").wait_for()
    [sent] = eventually(lambda: phones.sent_messages, what="the canned reply reaching the Twilio stand-in")
    assert (sent.to, sent.body) == ("+79161234567", expected)


def test_whatsapp_template_picker_after_24_hours(page, shot, agent, team, phones):
    sid = "HX" + "5" * 32
    MessageTemplateFactory(channel="whatsapp", key="follow_up", label="Follow-up: reply to continue",
                           provider_template_id=sid, variables={"1": "tracking_number"},
                           body="Hello, this is ParcelDesk about your parcel {{1}}. Reply to this message to continue.")
    conversation = agent_chat(team, agent, channel="whatsapp", external_user_id="+447700900123", language="en",
                              hours_since_customer=30)
    log_in(page, agent.username, next_url=f"/inbox/c/{conversation.pk}/")
    page.locator("#window", has_text="24-hour reply window is closed").wait_for()
    assert page.locator("#send").is_disabled() and page.locator("#template-picker[open]").count() == 1
    for control in ("#template", "#send-template", "#text", "#send"):  # in view as the page opens, no scrolling
        box = page.locator(control).bounding_box()
        assert box["y"] + box["height"] <= 900, (control, box)

    page.select_option("#template", "follow_up")
    preview = page.locator("#template-preview")
    text = "Hello, this is ParcelDesk about your parcel PD246813579CN. Reply to this message to continue."
    assert preview.inner_text() == text
    shot(page, "conversation-whatsapp-template-picker", full_page=False)
    page.click("#send-template")
    sent_bubble = page.locator("#thread .msg.agent", has_text="about your parcel PD246813579CN")
    sent_bubble.locator(".status", has_text="Sent").wait_for()
    page.reload()  # drawn by the server the same way
    sent_bubble.locator(".tpl").wait_for()
    [sent] = eventually(lambda: phones.sent_messages, what="the template reaching the Twilio stand-in")
    assert sent.to == "whatsapp:+447700900123" and sent.params["ContentSid"] == sid and "Body" not in sent.params
    assert json.loads(sent.params["ContentVariables"]) == {"1": "PD246813579CN"}


def test_wechat_template_picker_after_48_hours(page, shot, agent, team, wechat_api):
    template = MessageTemplateFactory(
        channel="wechat", key="delivery_update", language="zh-hans", label="物流状态更新",
        provider_template_id="Zh7pL0Vq3xWc9sNdelivery_upd8A2bKeY1mQ4tR6uZ0wXy",
        body="快递单号：{{keyword1.DATA}}\n物流状态：{{keyword2.DATA}}\n回复本公众号查看详情。")
    MessageTemplateFactory(channel="wechat", key="follow_up", language="en", label="Follow-up: reply to continue",
                           provider_template_id="En7pL0Vq3xWc9sNfollow_up8A2bKeY1mQ4tR6uZ0wXyz",
                           body="We have news about {{keyword1.DATA}}.", variables={"keyword1": "tracking_number"})
    wechat_api.add_template(template.provider_template_id, ["keyword1", "keyword2"])
    conversation = agent_chat(team, agent, channel="wechat", external_user_id=OPENID, language="zh-hans",
                              hours_since_customer=50)
    log_in(page, agent.username, next_url=f"/inbox/c/{conversation.pk}/")
    page.locator("#window", has_text="48-hour reply window is closed").wait_for()
    assert page.locator("#send").is_disabled()

    page.fill("#text", "free text is not allowed now")
    page.click("#note")  # an internal note still works while the window is closed
    page.locator("#thread .msg.note", has_text="free text is not allowed now").wait_for()

    labels = page.locator("#template option").all_inner_texts()
    assert labels == ["Choose an approved template…", "Follow-up: reply to continue (English)", "物流状态更新"]
    page.select_option("#template", "delivery_update")
    assert page.locator("#template-preview").inner_text() == "快递单号：PD246813579CN\n物流状态：派送未成功\n回复本公众号查看详情。"
    shot(page, "conversation-wechat-template-picker")
    page.click("#send-template")
    bubble = page.locator("#thread .msg.agent", has_text="快递单号：PD246813579CN")
    bubble.locator(".status", has_text="Sent").wait_for()
    assert bubble.locator(".tpl").inner_text() == "approved template"
    [sent] = eventually(lambda: wechat_api.sent_templates, what="the template message reaching the WeChat stand-in")
    assert (sent.touser, sent.template_id) == (OPENID, template.provider_template_id)
    assert sent.data == {"keyword1": {"value": "PD246813579CN"}, "keyword2": {"value": "派送未成功"}}
    assert wechat_api.sent_messages == []  # no customer-service (free text) message went out
    shot(page, "conversation-wechat-template-sent", full_page=False)
