"""The tracking page's preference form without a browser: the code goes by SMS (Twilio stand-in) to the phone on
file, never onto the page; wrong codes are counted; nothing is saved before the code is confirmed."""
from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from helpdesk.dispatch.models import OutboxEvent
from helpdesk.selfservice.models import DeliveryPreference
from integrations.standins.twilio import TwilioStandin
from tests.factories import PickupPointFactory, ShipmentFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the SMS is sent after commit


@pytest.fixture
def phones(settings):
    with TwilioStandin() as standin:
        settings.TWILIO = {"account_sid": standin.account_sid, "auth_token": standin.auth_token,
                           "api_base": standin.url, "from_sms": "+15017122661", "from_whatsapp": "whatsapp:+14155238886"}
        yield standin


def code_from(phones) -> str:
    [sms] = phones.sent_messages
    return re.search(r"\d{6}", sms.body).group(0)


def test_verify_then_save_a_station_preference(phones):
    shipment = ShipmentFactory(recipient_phone="+8613800138000")
    station = PickupPointFactory(station=shipment.station, kind="station", code="ST-PD", name="Pudong Station")
    page = Client()
    url = f"/track/{shipment.tracking_number}/preferences/"
    first = page.get(url)
    assert "•••• 8000" in first.content.decode() and 'name="method"' not in first.content.decode()
    refused = page.post(url, {"action": "save", "method": "door"})
    assert refused.status_code == 403 and not DeliveryPreference.objects.exists()

    sent = page.post(url, {"action": "send"}, follow=True)
    assert 'name="code"' in sent.content.decode()
    code = code_from(phones)
    assert phones.sent_messages[0].to == "+8613800138000" and code not in sent.content.decode()
    wrong = page.post(url, {"action": "confirm", "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "2 tries left" in wrong.content.decode()
    page.post(url, {"action": "confirm", "code": code})
    form = page.get(url).content.decode()
    assert 'name="method"' in form and "Pudong Station" in form

    saved = page.post(url, {"action": "save", "method": "station", "point_station": "ST-PD", "slots": ["afternoon"],
                            "instructions": "Leave a note"}, follow=True)
    assert "Saved." in saved.content.decode()
    preference = DeliveryPreference.objects.get(shipment=shipment)
    assert (preference.method, preference.pickup_point, preference.time_slots, preference.channel) == (
        "station", station, ["afternoon"], "tracking_page")
    assert OutboxEvent.objects.get(kind="shipment.delivery_preference_set").payload["channel"] == "tracking_page"
    # another browser has not proved anything
    assert 'name="method"' not in Client().get(url).content.decode()


def test_the_page_speaks_russian(phones):
    shipment = ShipmentFactory()
    page = Client()
    page.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    body = page.get(f"/track/{shipment.tracking_number}/preferences/").content.decode()
    assert "Пожелания к доставке" in body and "Прислать код по SMS" in body
    page.post(f"/track/{shipment.tracking_number}/preferences/", {"action": "send"})
    assert phones.sent_messages[0].body.startswith("Ваш код:")


def test_unknown_number_is_404_and_codes_are_limited(phones, settings):
    assert Client().get("/track/SF0000000000/preferences/").status_code == 404
    settings.OTP_MAX_SENDS_PER_HOUR = 2
    shipment = ShipmentFactory()
    url = f"/track/{shipment.tracking_number}/preferences/"
    page = Client()
    for _ in range(2):
        page.post(url, {"action": "send"})
    third = page.post(url, {"action": "send"})
    assert third.status_code == 429 and "try again in an hour" in third.content.decode()
    assert len(phones.sent_messages) == 2
