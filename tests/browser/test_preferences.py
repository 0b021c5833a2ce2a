"""The delivery-preference form on the public tracking page, on a phone-sized screen (390×844) in headless Chromium:
the customer asks for a code, reads it from the SMS the Twilio stand-in received, confirms it, picks a locker and
evening delivery, and dispatch's feed has it."""
from __future__ import annotations

import re

import pytest

from helpdesk.dispatch.models import OutboxEvent
from helpdesk.selfservice.models import DeliveryPreference
from tests.browser.conftest import eventually
from tests.factories import PickupPointFactory, ShipmentFactory, TrackingEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "+8613800138000"


@pytest.mark.parametrize("locale, texts", [
    ("en-GB", {"link": "Set delivery preferences", "send": "Text me a code", "confirm": "Confirm",
               "locker": "Parcel locker", "evening": "Evening 18:00–21:00", "save": "Save preferences",
               "saved": "Saved."}),
    ("zh-CN", {"link": "设置派送偏好", "send": "发送验证码", "confirm": "确认", "locker": "快递柜",
               "evening": "晚上 18:00–21:00", "save": "保存", "saved": "已保存"}),
])
def test_customer_sets_locker_and_evening_on_the_tracking_page(browser_context, phones, shot, locale, texts):
    shipment = ShipmentFactory(recipient_phone=PHONE, tracking_number="SF5550001111")
    TrackingEventFactory(shipment=shipment)
    PickupPointFactory(station=shipment.station, kind="locker", code="LK-1", name="Lujiazui Metro Locker")
    chosen = PickupPointFactory(station=shipment.station, kind="locker", code="LK-2", name="Century Park Locker")
    page = browser_context(locale=locale, width=390, height=844, mobile=True).new_page()

    page.goto(f"/track/?tn={shipment.tracking_number}")
    page.get_by_test_id("preferences-link").click()
    page.get_by_role("button", name=texts["send"]).click()
    sms = eventually(lambda: [m for m in phones.sent_messages if m.to == PHONE], what="the SMS with the code")
    code = re.search(r"\d{6}", sms[-1].body).group(0)
    assert code not in page.content()  # the code only ever goes to the phone on file
    page.fill("#code", code)
    page.get_by_role("button", name=texts["confirm"]).click()

    locker_point = page.locator("select[name=point_locker]")
    assert not locker_point.is_visible()  # only shown once "locker" is chosen
    page.get_by_label(texts["locker"], exact=True).check()
    locker_point.select_option("LK-2")
    page.get_by_label(texts["evening"]).check()
    page.fill("input[name=instructions]", "Ring twice")
    shot(page, f"preferences-form-{locale}", full_page=False)
    page.get_by_role("button", name=texts["save"]).click()
    page.get_by_test_id("saved").wait_for()
    assert texts["saved"] in page.get_by_test_id("saved").inner_text()
    shot(page, f"preferences-saved-{locale}", full_page=False)

    preference = DeliveryPreference.objects.get(shipment=shipment)
    assert (preference.method, preference.pickup_point_id, preference.time_slots, preference.instructions) == (
        "locker", chosen.id, ["evening"], "Ring twice")
    event = OutboxEvent.objects.get(kind="shipment.delivery_preference_set")
    assert event.payload["preference"]["pickup_point"]["code"] == "LK-2"
    # the saved choice is shown again on the next visit
    page.reload()
    assert page.locator("select[name=point_locker]").input_value() == "LK-2"
    assert page.get_by_label(texts["evening"]).is_checked()
