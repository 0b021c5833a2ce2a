"""The bot's self-service endpoints over HTTP with the service token: ready-to-say answers in four languages with
their data, and every refusal a 4xx with a reason code."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.shipments.models import ShipmentStatus
from tests.factories import ConversationFactory, PickupPointFactory, ShipmentFactory

pytestmark = pytest.mark.django_db
FAQ = "/api/v1/bot/faq/"


def test_faq_needs_the_service_token(client, faq_data):
    assert client.get(FAQ + "shipping-fee/", {"weight_kg": "1", "city": "Shanghai"}).status_code in (401, 403)


@pytest.mark.parametrize("language, city, expected", [
    ("en", "Hong Kong", "Sending 4 kg to Hong Kong (Hong Kong and Taiwan) costs 120.00 CNY, usually 2–3 days on the way."),
    ("zh-hans", "北京", "寄往北京（中国大陆主要城市）的 4 公斤包裹运费为 25.00 CNY，一般 1–2 天送达。"),
    ("zh-hant", "臺北", "寄往臺北（港澳台）的 4 公斤包裹運費為 120.00 CNY，一般 2–3 天送達。"),
    ("ru", "Москва", "Отправка 4 кг по направлению «Москва» (Россия) стоит 260.00 CNY, срок доставки — 7–12 дн."),
])
def test_shipping_fee_in_four_languages(bot_client, faq_data, language, city, expected):
    response = bot_client.get(FAQ + "shipping-fee/", {"weight_kg": "4", "city": city, "language": language})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answer"] == expected and body["language"] == language
    assert body["bracket"] == {"above_kg": "3.00", "up_to_kg": "5.00"} and body["currency"] == "CNY"


@pytest.mark.parametrize("params, code", [
    ({"weight_kg": "2", "city": "Atlantis"}, "place_unknown"),
    ({"weight_kg": "2", "city": "拉萨"}, "place_not_served"),
    ({"weight_kg": "45", "city": "Singapore"}, "overweight"),
    ({"weight_kg": "two", "city": "Singapore"}, "weight_invalid"),
    ({"city": "Singapore"}, "weight_kg_invalid"),
    ({"weight_kg": "2"}, "place_required"),
    ({"weight_kg": "2", "city": "Singapore", "language": "fr"}, "language_invalid"),
    ({"weight_kg": "2", "city": "Sing\x00apore"}, "city_invalid"),
])
def test_shipping_fee_refusals_are_400_with_a_reason(bot_client, faq_data, params, code):
    response = bot_client.get(FAQ + "shipping-fee/", params)
    assert response.status_code == 400 and response.json()["code"] == code, response.content
    assert response.json()["detail"]


def test_service_area_and_pickup_points(bot_client, faq_data):
    served = bot_client.get(FAQ + "service-area/", {"city": "Гонконг", "language": "ru"}).json()
    assert served["served"] is True and served["answer"] == "Да, мы доставляем по направлению «Гонконг» (зона: Гонконг и Тайвань)."
    not_served = bot_client.get(FAQ + "service-area/", {"city": "Atlantis"}).json()
    assert not_served == {"answer": "Sorry, we do not deliver to Atlantis yet.", "language": "en", "served": False,
                          "place": "Atlantis", "city": None, "zone": None}
    point = PickupPointFactory(city="Shanghai", kind="station", name="人民广场驿站", opening_hours="09:00–21:00")
    points = bot_client.get(FAQ + "pickup-points/", {"city": "上海", "language": "zh-hans"}).json()
    assert points["results"][0]["id"] == point.id and points["results"][0]["opening_hours"] == "09:00–21:00"
    km = points["results"][0]["distance_km"]
    assert points["answer"] == f"离上海最近的取件点：\n1. 人民广场驿站（驿站），{point.address}，营业时间 09:00–21:00，{km} 公里"


@pytest.mark.parametrize("path, language, needle", [
    ("prohibited-items/", "en", "lithium batteries"),
    ("prohibited-items/", "zh-hant", "鋰電池"),
    ("damage-claim/", "zh-hans", "7 天内"),
    ("damage-claim/", "ru", "в течение 7 дней"),
    ("opening-hours/", "en", "09:00–21:00"),
])
def test_faq_topics(bot_client, faq_data, path, language, needle):
    body = bot_client.get(FAQ + path, {"language": language}).json()
    assert needle in body["answer"] and body["language"] == language


def test_faq_topic_without_data_is_404(bot_client, db):
    response = bot_client.get(FAQ + "damage-claim/")
    assert response.status_code == 404 and response.json()["code"] == "faq_not_found"


# --- Preferences and returns in a conversation ---------------------------------------------------


def shipment_url(conversation, shipment, tail):
    return f"/api/v1/bot/conversations/{conversation.id}/shipments/{shipment.tracking_number}/{tail}"


def test_preference_needs_the_verified_recipient(bot_client):
    shipment = ShipmentFactory()
    stranger = ConversationFactory()
    response = bot_client.post(shipment_url(stranger, shipment, "preference/"), {"method": "door"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "verification_required"


@pytest.mark.parametrize("language, expected", [
    ("en", "Done: pickup at Lujiazui Locker, morning 09:00–12:00, evening 18:00–21:00 on {day}. The courier will plan the delivery of {tn} on it."),
    ("zh-hans", "已设置：到Lujiazui Locker自取，上午 09:00–12:00, 晚上 18:00–21:00，{day}。快递员将按此安排 {tn} 的派送。"),
    ("zh-hant", "已設定：到Lujiazui Locker自取，上午 09:00–12:00, 晚上 18:00–21:00，{day}。快遞員將按此安排 {tn} 的派送。"),
    ("ru", "Готово: получение в пункте «Lujiazui Locker», утро 09:00–12:00, вечер 18:00–21:00, {day}. Курьер спланирует доставку {tn} с учётом этого."),
])
def test_set_preference_in_four_languages(bot_client, language, expected):
    shipment = ShipmentFactory()
    locker = PickupPointFactory(station=shipment.station, name="Lujiazui Locker")
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone, language=language)
    day = timezone.localdate() + dt.timedelta(days=3)
    response = bot_client.post(shipment_url(conversation, shipment, "preference/"), {
        "method": "locker", "pickup_point_id": locker.id, "time_slots": ["evening", "morning"],
        "appointment_date": day.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answer"] == expected.format(day=day.isoformat(), tn=shipment.tracking_number)
    assert body["preference"]["method"] == "locker" and body["preference"]["pickup_point"]["code"] == locker.code
    got = bot_client.get(shipment_url(conversation, shipment, "preference/")).json()
    assert got["preference"]["time_slots"][0] == {"slot": "morning", "start": "09:00", "end": "12:00"}


@pytest.mark.parametrize("body, code", [
    ({"method": "helicopter"}, "method_invalid"),
    ({"method": "door", "time_slots": ["night"]}, "time_slots_invalid"),
    ({"method": "door", "appointment_date": "2020-01-01"}, "appointment_date_invalid"),
    ({"method": "door", "appointment_date": "soon"}, "appointment_date_invalid"),
    ({"method": "station"}, "pickup_point_required"),
    ({"method": "door", "pickup_point_id": "x"}, "pickup_point_id_invalid"),
])
def test_preference_refusals(bot_client, body, code):
    shipment = ShipmentFactory()
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    response = bot_client.post(shipment_url(conversation, shipment, "preference/"), body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code, response.content


def test_return_over_http_in_chinese_then_refused_twice(bot_client):
    shipment = ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - dt.timedelta(days=1))
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone, language="zh-hans")
    response = bot_client.post(shipment_url(conversation, shipment, "return/"),
                               {"reason": "damaged", "method": "pickup", "comment": "外箱压坏了"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    rtn = body["return_tracking_number"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert body["answer"] == (f"{shipment.tracking_number} 的退货 {rtn} 已登记，快递员将于 {tomorrow} 到 "
                              f"{shipment.address} 上门取件。可用 {rtn} 查询进度。")
    assert body["original_tracking_number"] == shipment.tracking_number and body["status"] == "created"
    # the return is one of the conversation's shipments, so the bot can track it like any other
    listed = bot_client.get(f"/api/v1/bot/conversations/{conversation.id}/shipments/{rtn}/").json()
    assert listed["verified"] is True and listed["status"] == "created"
    again = bot_client.post(shipment_url(conversation, shipment, "return/"), {"reason": "damaged", "method": "pickup"},
                            format="json")
    assert again.status_code == 409 and again.json()["code"] == "return_already_started"
    assert again.json()["return_tracking_number"] == rtn


@pytest.mark.parametrize("language, expected_start", [
    ("en", "Your return RT"), ("zh-hant", "{tn} 的退貨 RT"), ("ru", "Возврат RT"),
])
def test_return_drop_off_answers(bot_client, language, expected_start):
    shipment = ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now())
    point = PickupPointFactory(station=shipment.station, kind="station", opening_hours="Mon–Sun 09:00–21:00")
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone, language=language)
    body = bot_client.post(shipment_url(conversation, shipment, "return/"), {
        "reason": "wrong_item", "method": "drop_off", "pickup_point_id": point.id}, format="json").json()
    assert body["answer"].startswith(expected_start.format(tn=shipment.tracking_number))
    assert point.address in body["answer"] and "09:00–21:00" in body["answer"]
    assert body["drop_off_point"]["code"] == point.code


@pytest.mark.parametrize("status, delivered_days_ago, code", [
    (ShipmentStatus.IN_TRANSIT, None, "shipment_not_delivered"),
    (ShipmentStatus.DELIVERED, 20, "return_window_closed"),
])
def test_return_refused_clearly(bot_client, status, delivered_days_ago, code):
    delivered_at = timezone.now() - dt.timedelta(days=delivered_days_ago) if delivered_days_ago else None
    shipment = ShipmentFactory(status=status, delivered_at=delivered_at)
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    response = bot_client.post(shipment_url(conversation, shipment, "return/"), {"reason": "other", "method": "pickup"},
                               format="json")
    assert response.status_code == 409 and response.json()["code"] == code


@pytest.mark.parametrize("body, code", [
    ({"reason": "bored", "method": "pickup"}, "reason_invalid"),
    ({"reason": "other", "method": "pigeon"}, "method_invalid"),
    ({"reason": "other", "method": "drop_off"}, "pickup_point_required"),
    ([], "reason_invalid"),
])
def test_return_bad_input_is_400(bot_client, body, code):
    shipment = ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now())
    conversation = ConversationFactory(verified_phone=shipment.recipient_phone)
    response = bot_client.post(shipment_url(conversation, shipment, "return/"), body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code, response.content
