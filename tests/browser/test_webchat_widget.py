"""The web chat widget as a customer meets it: the public tracking page on a phone-sized screen, the one-tag widget
opened on it, the tracking number sent over /ws/webchat/ (daphne, the Redis channel layer, the Celery worker and a
stand-in Rasa), and the whole chat back after a page reload, with the same visitor."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation, Message
from tests.browser.conftest import eventually
from tests.factories import ShipmentFactory, TrackingEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TN = "SF1234567890123"
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("locale, title, event", [
    ("en-GB", "Customer service", "Arrived at Shanghai Pudong station"),
    ("zh-TW", "線上客服", "Arrived at Shanghai Pudong station"),
])
def test_chat_about_a_parcel_from_the_tracking_page_on_a_phone(browser_context, helpdesk, bot, locale, title, event):
    shipment = ShipmentFactory(tracking_number=TN, status="in_transit")
    TrackingEventFactory(shipment=shipment, status="in_transit", description=event, location="Shanghai",
                         occurred_at=timezone.now() - dt.timedelta(hours=2))
    bot.reply = f"Parcel {TN}: in transit, expected tomorrow."
    page = browser_context(locale=locale, mobile=True, **PHONE).new_page()
    page.goto(f"/track/?tn={TN}")
    assert page.get_by_text(event).is_visible()  # the timeline

    page.locator(".pd-chat-btn").click()
    panel = page.locator(".pd-chat.open")
    assert title in panel.locator(".pd-head").inner_text()
    box = panel.bounding_box()  # the chat takes the phone's screen, nothing off it
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
    assert box["y"] + box["height"] <= PHONE["height"] + 0.5
    field = panel.locator(".pd-form input")
    assert field.input_value() == TN  # the page hands its tracking number to the chat
    panel.locator(".pd-form button[type=submit]").click()
    panel.locator(".pd-in", has_text="expected tomorrow").wait_for()
    assert panel.locator(".pd-out.pd-pending").count() == 0  # the server acknowledged the customer's message
    visitor = page.evaluate("() => localStorage.getItem('parceldesk.visitor')")
    conversation = eventually(lambda: Conversation.objects.filter(channel="webchat").first(), what="a conversation")
    assert conversation.external_user_id == visitor

    page.reload()  # the visitor session survives: same visitor, the chat comes back from the server
    page.locator(".pd-chat-btn").click()
    panel = page.locator(".pd-chat.open")
    panel.locator(".pd-in", has_text="expected tomorrow").wait_for()
    assert panel.locator(".pd-out", has_text=TN).count() == 1
    assert page.evaluate("() => localStorage.getItem('parceldesk.visitor')") == visitor
    assert Conversation.objects.filter(channel="webchat").count() == 1
    assert list(Message.objects.filter(conversation=conversation).order_by("id")
                .values_list("direction", "text")) == [("in", TN), ("out", bot.reply)]
