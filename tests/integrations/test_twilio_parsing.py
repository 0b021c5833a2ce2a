import datetime as dt

import pytest

from integrations.base import Channel
from integrations.twilio.parsing import PayloadError, parse_inbound, parse_status_callback
from tests.integrations.conftest import fixture_form


def test_inbound_sms():
    before = dt.datetime.now(dt.timezone.utc)
    message = parse_inbound(fixture_form("twilio/sms_inbound.txt"))
    assert message.channel == Channel.SMS
    assert message.external_user_id == "+15558675310"
    assert message.external_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.text == "Where is my parcel PX123456789CN?"
    assert message.media == ()
    assert message.event == ""
    assert before <= message.timestamp <= dt.datetime.now(dt.timezone.utc)
    assert message.timestamp.tzinfo is not None
    assert message.raw["AccountSid"] == "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"


def test_inbound_mms_with_two_pictures():
    message = parse_inbound(fixture_form("twilio/mms_inbound.txt"))
    assert message.channel == Channel.SMS
    assert message.text == "Damaged box"
    assert [item["content_type"] for item in message.media] == ["image/jpeg", "image/png"]
    assert message.media[0]["url"].endswith("/Media/ME27be8a708784242c0daee207ff73db67")


def test_inbound_whatsapp_drops_the_prefix():
    message = parse_inbound(fixture_form("twilio/whatsapp_inbound.txt"))
    assert message.channel == Channel.WHATSAPP
    assert message.external_user_id == "+79161234567"
    assert message.text == "Где моя посылка?"
    assert message.raw["ProfileName"] == "Ivan Petrov"
    assert message.raw["WaId"] == "79161234567"


def test_inbound_accepts_querydict_shaped_lists():
    form = {key: [value] for key, value in fixture_form("twilio/sms_inbound.txt").items()}
    assert parse_inbound(form).external_user_id == "+15558675310"


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": ""},
        {"MessageSid": "not-a-sid"},
        {"From": ""},
        {"From": "whatsapp:"},
        {"From": "15558675310"},
        {"From": "+1 555 867"},
        {"To": "whatsapp:+15017122661"},
        {"NumMedia": "two"},
        {"NumMedia": "1"},
        {"NumMedia": "-1"},
    ],
)
def test_inbound_with_missing_or_invalid_fields_is_refused(change):
    form = {**fixture_form("twilio/sms_inbound.txt"), **change}
    with pytest.raises(PayloadError):
        parse_inbound(form)


def test_payload_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_inbound({})


def test_status_callback_delivered():
    update = parse_status_callback(fixture_form("twilio/status_delivered.txt"))
    assert update.message_sid == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert update.status == "delivered"
    assert update.error_code == ""


def test_status_callback_failed_outside_whatsapp_window():
    update = parse_status_callback(fixture_form("twilio/status_failed_whatsapp.txt"))
    assert update.status == "failed"
    assert update.error_code == "63016"
    assert "outside the allowed window" in update.error_message


@pytest.mark.parametrize("change", [{"MessageStatus": ""}, {"MessageStatus": "exploded"}, {"MessageSid": ""}])
def test_status_callback_with_missing_or_invalid_fields_is_refused(change):
    with pytest.raises(PayloadError):
        parse_status_callback({**fixture_form("twilio/status_delivered.txt"), **change})
