"""Proactive notices: courier scans from the dispatch stand-in reach the customer's own channel (the Twilio
stand-in, web chat), in their language, once per scan; the customer answers in chat and what they decide
reaches dispatch."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation, Message
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.shipments.models import DeliveryNotice
from helpdesk.shipments.notices import delivery_notice_send
from helpdesk.shipments.tasks import delivery_notices_send_pending
from tests.factories import (
    ChannelIdentityFactory,
    ConversationFactory,
    CourierFactory,
    CustomerFactory,
    DeliveryWindowFactory,
    ShipmentFactory,
)

from .conftest import SMS_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+8613800138000"


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def scans(dispatch, live_server, *events):
    response = dispatch.send_scans(live_server.url + "/api/v1/dispatch/events/", list(events))
    assert response.status_code == 200, response.text
    return response.json()


def texts_to(phones, to):
    return [m.body for m in phones.sent_messages if m.to == to]


def test_failed_attempt_notice_is_answered_in_chat_and_the_reschedule_reaches_dispatch(
        dispatch, phones, rasa, live_server, bot_client):
    shipment = ShipmentFactory(recipient_phone=PHONE, status="at_station", customer=CustomerFactory(language="en"))
    courier = CourierFactory(station=shipment.station)
    window = DeliveryWindowFactory(station=shipment.station, date=timezone.localdate() + dt.timedelta(days=1),
                                   start=dt.time(18, 0), end=dt.time(21, 0))
    tn = shipment.tracking_number

    scans(dispatch, live_server,
          {"id": "ofd-1", "tracking_number": tn, "type": "out_for_delivery", "occurred_at": at(90), "courier": courier.code,
           "window": {"start": "14:00", "end": "16:00"}})
    scans(dispatch, live_server,
          {"id": "att-1", "tracking_number": tn, "type": "delivery_attempted", "occurred_at": at(60),
           "reason": "recipient_absent", "courier": courier.code, "gps": {"lat": 31.2305, "lng": 121.4738}})

    out_for_delivery, attempt_failed = texts_to(phones, PHONE)
    issued = dispatch.events_for(tn)[0]
    assert issued.kind == "shipment.handover_code_issued"  # dispatch sent no code, so the helpdesk issued one
    code = issued.payload["handover_code"]
    assert f"Your parcel {tn} is out for delivery" in out_for_delivery and "between 14:00 and 16:00" in out_for_delivery
    assert f"Your handover code is {code}." in out_for_delivery
    assert f"We tried to deliver your parcel {tn}" in attempt_failed and "nobody was at home" in attempt_failed
    for choice in ("“deliver tomorrow”", "“send it to a locker”", "“leave it with my neighbour at …”", "“I was at home”"):
        assert choice in attempt_failed
    failed = dispatch.events_for(tn)[1]
    assert failed.kind == "shipment.delivery_failed" and failed.payload["reason"] == "recipient_absent"

    # The customer answers right there, by SMS; the bot (stand-in) is asked, in the same conversation.
    conversation = Conversation.objects.get(channel="sms", external_user_id=PHONE)
    phones.send_inbound(live_server.url + "/webhooks/twilio/", from_=PHONE, to=SMS_NUMBER, body="deliver tomorrow evening pls")
    assert rasa.turns[-1]["sender"] == str(conversation.pk)
    assert rasa.turns[-1]["message"] == "deliver tomorrow evening pls"
    assert texts_to(phones, PHONE)[-1] == rasa.reply
    assert list(conversation.messages.order_by("id").values_list("sender_kind", flat=True)) == ["bot", "bot", "customer", "bot"]

    # The bot's action reschedules through the bot API, as the recipient (the SMS number is the phone on file).
    base = f"/api/v1/bot/conversations/{conversation.pk}/shipments/{tn}/"
    assert [w["id"] for w in bot_client.get(base + "delivery-windows/").json()["results"]] == [window.id]
    response = bot_client.post(base + "reschedule/", {"window_id": window.id}, format="json")
    assert response.status_code == 200, response.content

    rescheduled = dispatch.events_for(tn)[-1]
    assert rescheduled.kind == "shipment.rescheduled"
    assert rescheduled.payload["window"]["start"] == "18:00" and rescheduled.payload["by"] == "customer"
    assert rescheduled.payload["channel"] == "sms"
    assert rescheduled.payload["answers_failed_attempt"]["reason"] == "recipient_absent"
    assert [e.id for e in dispatch.events_for(tn)] == sorted(e.id for e in dispatch.events_for(tn))
    assert dispatch.duplicates == 0


def test_a_notice_overtaken_by_a_later_scan_is_not_sent(dispatch, phones, live_server):
    shipment = ShipmentFactory(recipient_phone=PHONE, status="at_station")
    scans(dispatch, live_server,  # the worker gets to both only after the second scan: "out for delivery" is stale
          {"id": "ofd-1", "tracking_number": shipment.tracking_number, "type": "out_for_delivery", "occurred_at": at(20),
           "handover_code": "1234"},
          {"id": "dlv-1", "tracking_number": shipment.tracking_number, "type": "delivered", "occurred_at": at(10)})
    assert dict(DeliveryNotice.objects.values_list("kind", "status")) == {"out_for_delivery": "skipped", "delivered": "sent"}
    [text] = texts_to(phones, PHONE)
    assert "was delivered" in text


def test_the_same_scan_twice_sends_one_notice_in_the_customers_web_chat_and_language(dispatch, phones, live_server):
    customer = CustomerFactory(language="ru")
    shipment = ShipmentFactory(status="out_for_delivery", customer=customer)
    conversation = ConversationFactory(customer=customer, channel="webchat", language="ru",
                                       last_message_at=timezone.now(), last_inbound_at=timezone.now())
    delivered = {"id": "dlv-1", "tracking_number": shipment.tracking_number, "type": "delivered", "occurred_at": at(5),
                 "signed_by": "", "proof": {"photo_url": "https://pod.example/p/1.jpg", "signed_by": "Иван", "otp_confirmed": True}}
    assert scans(dispatch, live_server, delivered)["applied"] == 1
    assert scans(dispatch, live_server, delivered)["duplicate"] == 1
    assert delivery_notices_send_pending() == 0
    notice = DeliveryNotice.objects.get()
    assert delivery_notice_send(notice_id=notice.pk) == "done"  # a second run of the task changes nothing

    [message] = conversation.messages.all()
    assert message.delivery_status == Message.DeliveryStatus.SENT  # pushed to the visitor's socket
    assert f"Посылка {shipment.tracking_number} доставлена сегодня в" in message.text
    assert "Вручена по коду получения." in message.text and "Получатель расписался: Иван." in message.text
    assert "Фото доставки: https://pod.example/p/1.jpg" in message.text
    assert phones.sent_messages == []  # the web chat was open, so no SMS


@pytest.mark.parametrize("language, words", [
    ("en", ["running late", "reschedule"]),
    ("zh-hans", ["延误", "“改期”"]),
    ("zh-hant", ["延誤", "「改期」"]),
    ("ru", ["задерживается", "«перенести доставку»"]),
])
def test_a_slipping_eta_sends_a_delay_notice_in_the_customers_language(dispatch, phones, live_server, language, words):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    shipment = ShipmentFactory(recipient_phone=PHONE, status="in_transit", eta=tomorrow,
                               customer=CustomerFactory(language=language))
    later = (tomorrow + dt.timedelta(days=2)).isoformat()
    scans(dispatch, live_server,
          {"id": "st-1", "tracking_number": shipment.tracking_number, "type": "at_station", "occurred_at": at(30),
           "eta": later},
          {"id": "st-2", "tracking_number": shipment.tracking_number, "type": "exception", "occurred_at": at(20),
           "eta": later})  # the same ETA again is no new delay
    [text] = texts_to(phones, PHONE)
    assert shipment.tracking_number in text and all(word in text for word in words), text
    assert "{" not in text


@pytest.mark.parametrize("language, words", [
    ("en", ["the parcel locker was full", "“send it to a locker”"]),
    ("zh-hans", ["快递柜已满", "“放快递柜”", "“放邻居家”"]),
    ("zh-hant", ["智能櫃已滿", "「放自提櫃」", "「放鄰居家」"]),
    ("ru", ["постамат был переполнен", "«в постамат»", "«оставьте у соседей, кв. …»"]),
])
def test_failed_attempt_notice_in_four_languages(dispatch, phones, live_server, language, words):
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=CustomerFactory(language=language))
    scans(dispatch, live_server, {"id": "a1", "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                  "occurred_at": at(10), "reason": "locker_full"})
    [text] = texts_to(phones, PHONE)
    assert shipment.tracking_number in text and all(word in text for word in words), text


def test_an_opted_out_customer_gets_no_notice(dispatch, phones, live_server):
    identity = ChannelIdentityFactory(channel="sms", external_id=PHONE, opted_out_at=timezone.now())
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=identity.customer)
    scans(dispatch, live_server, {"id": "a1", "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                  "occurred_at": at(10), "reason": "no_access"})
    notice = DeliveryNotice.objects.get()
    assert notice.status == "skipped" and "opted out" in notice.skipped_reason
    assert phones.sent_messages == [] and not Message.objects.exists()
    assert OutboxEvent.objects.filter(kind="shipment.delivery_failed").count() == 1  # dispatch still hears of it


def test_whatsapp_outside_24_hours_gets_the_approved_template(dispatch, phones, live_server, settings):
    identity = ChannelIdentityFactory(channel="whatsapp", external_id=PHONE)
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=identity.customer)
    long_ago = timezone.now() - dt.timedelta(hours=30)
    ConversationFactory(customer=identity.customer, identity=identity, channel="whatsapp", external_user_id=PHONE,
                        last_inbound_at=long_ago, last_message_at=long_ago)
    scans(dispatch, live_server, {"id": "a1", "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                  "occurred_at": at(10), "reason": "recipient_absent"})
    [sent] = phones.sent_messages
    assert sent.to == f"whatsapp:{PHONE}"
    assert sent.params["ContentSid"] == settings.WHATSAPP_NOTICE_TEMPLATE and "Body" not in sent.params


def test_whatsapp_inside_24_hours_gets_the_full_text(dispatch, phones, live_server):
    identity = ChannelIdentityFactory(channel="whatsapp", external_id=PHONE)
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=identity.customer)
    ConversationFactory(customer=identity.customer, identity=identity, channel="whatsapp", external_user_id=PHONE,
                        last_inbound_at=timezone.now() - dt.timedelta(hours=2), last_message_at=timezone.now())
    scans(dispatch, live_server, {"id": "a1", "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                  "occurred_at": at(10), "reason": "recipient_absent"})
    [sent] = phones.sent_messages
    assert sent.to == f"whatsapp:{PHONE}" and "nobody was at home" in sent.body and "ContentSid" not in sent.params


def test_wechat_outside_48_hours_falls_back_to_sms_on_the_phone_on_file(dispatch, phones, live_server):
    identity = ChannelIdentityFactory(channel="wechat", external_id="oWECHAT-OPENID-1")
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=identity.customer)
    long_ago = timezone.now() - dt.timedelta(hours=50)
    wechat = ConversationFactory(customer=identity.customer, identity=identity, channel="wechat",
                                 external_user_id="oWECHAT-OPENID-1", last_inbound_at=long_ago, last_message_at=long_ago)
    scans(dispatch, live_server, {"id": "a1", "tracking_number": shipment.tracking_number, "type": "delivery_attempted",
                                  "occurred_at": at(10), "reason": "address_wrong"})
    [text] = texts_to(phones, PHONE)
    assert "the address seems to be wrong or incomplete" in text
    assert not wechat.messages.exists()
