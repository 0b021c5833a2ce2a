"""Self-service through the service layer: fee quotes, service area, pickup points, preferences, returns."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.core.errors import ApplicationError
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.selfservice.models import DeliveryPreference, ReturnRequest, ServiceArea, ShippingRate
from helpdesk.selfservice.selectors import (
    faq_answer, pickup_points_for_place, service_area_check, shipping_quote,
)
from helpdesk.selfservice.services import (
    PREFERENCE_SET, RETURN_REQUESTED, delivery_preference_set, shipment_return_start,
)
from helpdesk.shipments.models import Shipment, ShipmentStatus
from helpdesk.shipments.services import Actor
from tests.factories import PickupPointFactory, ShipmentFactory, StationFactory

pytestmark = pytest.mark.django_db
PAGE = Actor(kind="customer")


def test_quote_picks_the_weight_bracket_of_the_city_zone(faq_data):
    quote = shipping_quote(weight_kg="2.5", city="Shanghai")
    assert (quote["zone"]["code"], quote["price"], quote["currency"]) == ("CN-METRO", "18.00", "CNY")
    assert quote["bracket"] == {"above_kg": "1.00", "up_to_kg": "3.00"}
    assert quote["answer"] == "Sending 2.5 kg to Shanghai (Mainland China, major cities) costs 18.00 CNY, usually 1–2 days on the way."


def test_quote_by_alias_and_postcode_prefers_the_longer_prefix(faq_data):
    island = shipping_quote(weight_kg="1", city="上海", postcode="202150", language="zh-hans")
    assert (island["zone"]["code"], island["price"]) == ("CN-REMOTE", "20.00")
    assert island["answer"].startswith("寄往上海 202150（中国大陆偏远地区）的 1 公斤包裹运费为 20.00 CNY")
    city = shipping_quote(weight_kg="1", city="Москва", language="ru")
    assert city["zone"]["code"] == "RU" and "Отправка 1 кг по направлению «Москва» (Россия) стоит 95.00 CNY" in city["answer"]


def test_fee_table_edits_change_the_answer(faq_data):
    ShippingRate.objects.filter(zone__code="HK-TW", max_weight_kg=1).update(price=50)
    assert shipping_quote(weight_kg="0.4", city="Hong Kong")["price"] == "50.00"


@pytest.mark.parametrize("kwargs, code", [
    ({"weight_kg": "2", "city": "Atlantis"}, "place_unknown"),
    ({"weight_kg": "2", "city": "Lhasa"}, "place_not_served"),
    ({"weight_kg": "31", "city": "Moscow"}, "overweight"),
    ({"weight_kg": "-1", "city": "Moscow"}, "weight_invalid"),
    ({"weight_kg": "heavy", "city": "Moscow"}, "weight_invalid"),
    ({"weight_kg": "1"}, "place_required"),
])
def test_quote_refusals_say_why(faq_data, kwargs, code):
    with pytest.raises(ApplicationError) as refused:
        shipping_quote(**kwargs)
    assert refused.value.code == code
    if code == "overweight":
        assert refused.value.extra["max_weight_kg"] == "30.00"


def test_service_area_by_city_in_four_languages(faq_data):
    assert service_area_check(city="Taipei")["answer"] == "Yes, we deliver to Taipei (zone: Hong Kong and Taiwan)."
    assert service_area_check(city="臺北", language="zh-hant")["answer"] == "是的，我們送達臺北（區域：港澳台）。"
    assert service_area_check(city="Beijing", language="zh-hans")["answer"] == "是的，我们送达Beijing（区域：中国大陆主要城市）。"
    no = service_area_check(city="Лхаса", language="ru")
    assert no["served"] is False and no["answer"] == "К сожалению, по направлению «Лхаса» мы пока не доставляем."


def test_nearest_pickup_points_with_opening_hours(faq_data):
    station = StationFactory(city="Moscow", latitude=55.7637, longitude=37.6066)
    ServiceArea.objects.filter(city="Moscow").update(latitude=55.7637, longitude=37.6066)  # the area's centre
    near = PickupPointFactory(station=station, city="Moscow", name="Tverskaya Locker", latitude=55.764, longitude=37.607)
    PickupPointFactory(station=station, city="Moscow", name="Far Locker", latitude=55.9, longitude=37.9)
    PickupPointFactory(station=station, city="Moscow", kind="station", name="Arbat Station",
                       opening_hours="Mon–Sun 09:00–21:00", latitude=55.75, longitude=37.59)
    answer = pickup_points_for_place(city="Moscow", kind="locker", language="ru")
    assert [p["name"] for p in answer["results"]] == ["Tverskaya Locker", "Far Locker"]
    assert answer["results"][0]["id"] == near.id
    assert answer["answer"].splitlines()[1].startswith("1. Tverskaya Locker (постамат)")
    stations = pickup_points_for_place(city="Moscow", kind="station")
    assert "open Mon–Sun 09:00–21:00" in stations["answer"]
    assert pickup_points_for_place(city="Urumqi")["answer"] == "We have no pickup station or locker in Urumqi yet."


def test_faq_answers_in_four_languages(faq_data):
    assert "lithium batteries" in faq_answer(topic="prohibited_items")["answer"]
    assert "锂电池" in faq_answer(topic="prohibited_items", language="zh-hans")["answer"]
    assert "鋰電池" in faq_answer(topic="prohibited_items", language="zh-hant")["answer"]
    assert "7 дней" in faq_answer(topic="damage_claim", language="ru")["answer"]


# --- Preferences -------------------------------------------------------------------------------


def test_preference_for_a_locker_with_slots_is_sent_to_dispatch():
    shipment = ShipmentFactory()
    locker = PickupPointFactory(station=shipment.station)
    day = timezone.localdate() + dt.timedelta(days=2)
    preference = delivery_preference_set(shipment=shipment, actor=PAGE, method="locker", pickup_point_id=locker.id,
                                         time_slots=["evening", "morning"], appointment_date=day,
                                         channel="tracking_page")
    assert preference.time_slots == ["morning", "evening"]
    event = OutboxEvent.objects.get(shipment=shipment, kind=PREFERENCE_SET)
    assert event.payload["preference"]["pickup_point"]["code"] == locker.code
    assert event.payload["preference"]["time_slots"] == [
        {"slot": "morning", "start": "09:00", "end": "12:00"}, {"slot": "evening", "start": "18:00", "end": "21:00"}]
    assert event.payload["preference"]["appointment_date"] == day.isoformat()
    assert (event.payload["before"], event.payload["channel"]) == (None, "tracking_page")
    again = delivery_preference_set(shipment=shipment, actor=PAGE, method="door")
    assert again.pk == preference.pk and again.pickup_point is None
    assert OutboxEvent.objects.filter(kind=PREFERENCE_SET).last().payload["before"]["method"] == "locker"


@pytest.mark.parametrize("kwargs, code", [
    ({"method": "locker"}, "pickup_point_required"),
    ({"method": "teleport"}, "method_invalid"),
    ({"method": "door", "time_slots": ["midnight"]}, "time_slot_invalid"),
    ({"method": "door", "appointment_date": dt.date(2020, 1, 1)}, "appointment_date_invalid"),
])
def test_preference_refusals(kwargs, code):
    with pytest.raises(ApplicationError) as refused:
        delivery_preference_set(shipment=ShipmentFactory(), actor=PAGE, **kwargs)
    assert refused.value.code == code
    assert not DeliveryPreference.objects.exists() and not OutboxEvent.objects.exists()


def test_preference_refused_once_out_for_delivery():
    shipment = ShipmentFactory(status=ShipmentStatus.OUT_FOR_DELIVERY)
    with pytest.raises(ApplicationError) as refused:
        delivery_preference_set(shipment=shipment, actor=PAGE, method="door")
    assert refused.value.code == "shipment_not_changeable" and refused.value.status == 409


def test_station_preference_refuses_a_locker_id():
    shipment = ShipmentFactory()
    locker = PickupPointFactory(station=shipment.station, kind="locker")
    with pytest.raises(ApplicationError) as refused:
        delivery_preference_set(shipment=shipment, actor=PAGE, method="station", pickup_point_id=locker.id)
    assert refused.value.code == "pickup_point_not_found"


# --- Returns -----------------------------------------------------------------------------------


def delivered(**kwargs):
    return ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - dt.timedelta(days=2),
                           postcode="200120", **kwargs)


def test_return_with_courier_pickup_is_its_own_shipment():
    original = delivered()
    started = shipment_return_start(shipment=original, actor=PAGE, reason="wrong_item", method="pickup",
                                    comment="Sent the blue one")
    back = started.return_shipment
    assert back.tracking_number.startswith("RT") and len(back.tracking_number) == 14
    assert (back.sender_name, back.recipient_name, back.recipient_phone) == (
        "Li Wei", "Tmall Store", original.recipient_phone)
    assert (back.address, back.status, back.station_id) == (original.address, ShipmentStatus.CREATED, original.station_id)
    assert started.pickup_date == timezone.localdate() + dt.timedelta(days=1)
    assert back.events.get().description == f"Return of {original.tracking_number} registered"
    event = OutboxEvent.objects.get(kind=RETURN_REQUESTED)
    assert event.tracking_number == back.tracking_number
    assert event.payload["return"]["original_tracking_number"] == original.tracking_number
    assert event.payload["return"]["pickup_address"]["address"] == original.address


def test_return_drop_off_at_a_station():
    original = delivered()
    point = PickupPointFactory(station=original.station, kind="station", name="Pudong Station")
    started = shipment_return_start(shipment=original, actor=PAGE, reason="damaged", method="drop_off",
                                    pickup_point_id=point.id)
    assert started.return_shipment.address == point.address and started.pickup_date is None
    assert OutboxEvent.objects.get(kind=RETURN_REQUESTED).payload["return"]["drop_off_point"]["code"] == point.code


@pytest.mark.parametrize("make, code", [
    (lambda: ShipmentFactory(status=ShipmentStatus.OUT_FOR_DELIVERY), "shipment_not_delivered"),
    (lambda: ShipmentFactory(status=ShipmentStatus.DELIVERY_FAILED), "shipment_not_delivered"),
    (lambda: ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - dt.timedelta(days=15)),
     "return_window_closed"),
])
def test_return_refused_for_undelivered_or_late(make, code):
    with pytest.raises(ApplicationError) as refused:
        shipment_return_start(shipment=make(), actor=PAGE, reason="other", method="pickup")
    assert (refused.value.code, refused.value.status) == (code, 409)
    assert Shipment.objects.filter(tracking_number__startswith="RT").count() == 0


def test_return_window_follows_the_setting(settings):
    settings.RETURN_WINDOW_DAYS = 30
    old = ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - dt.timedelta(days=20))
    assert shipment_return_start(shipment=old, actor=PAGE, reason="other", method="pickup").pk


def test_only_one_return_per_shipment_and_none_of_a_return():
    original = delivered()
    first = shipment_return_start(shipment=original, actor=PAGE, reason="other", method="pickup")
    with pytest.raises(ApplicationError) as twice:
        shipment_return_start(shipment=original, actor=PAGE, reason="other", method="pickup")
    assert twice.value.code == "return_already_started"
    assert twice.value.extra["return_tracking_number"] == first.return_shipment.tracking_number
    back = first.return_shipment
    Shipment.objects.filter(pk=back.pk).update(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now())
    with pytest.raises(ApplicationError) as of_return:
        shipment_return_start(shipment=back, actor=PAGE, reason="other", method="pickup")
    assert of_return.value.code == "return_of_return"
    assert ReturnRequest.objects.count() == 1
