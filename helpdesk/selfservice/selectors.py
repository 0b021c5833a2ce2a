"""Reads for self-service: fee quotes, service area, pickup points near a place, FAQ answers, and what dispatch
sees of preferences and returns."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from helpdesk.core.errors import ApplicationError, NotFound
from helpdesk.network.models import PickupPoint
from helpdesk.network.selectors import pickup_points_near
from helpdesk.shipments.models import ShipmentStatus

from .answers import say
from .models import SLOT_HOURS, DeliveryPreference, FaqAnswer, ReturnRequest, ServiceArea, ShippingRate

MAX_PLACE = 100


def _clean(value: str | None, what: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > MAX_PLACE or not value.isprintable():
        raise ApplicationError(f"{what}_invalid", f"The {what} is not valid.")
    return value


def service_area_find(*, city: str = "", postcode: str = "") -> ServiceArea | None:
    """The area a city and/or postcode belongs to: the longest matching postcode prefix wins; a city matches its
    English name or one of its aliases (上海, Шанхай, …), case-insensitively."""
    city, postcode = _clean(city, "city"), _clean(postcode, "postcode").replace(" ", "").upper()
    if not city and not postcode:
        raise ApplicationError("place_required", "Give a city or a postcode.")
    areas = list(ServiceArea.objects.select_related("zone").filter(zone__active=True))
    wanted = city.casefold()

    def city_matches(area: ServiceArea) -> bool:
        names = [area.city, *area.aliases.split(",")]
        return any(name.strip().casefold() == wanted for name in names if name.strip())

    if postcode:
        by_code = [a for a in areas if a.postcode_prefix and postcode.startswith(a.postcode_prefix.upper())
                   and (not city or city_matches(a))]
        if by_code:
            return max(by_code, key=lambda a: len(a.postcode_prefix))
    if city:
        whole = [a for a in areas if city_matches(a)]
        whole.sort(key=lambda a: (a.postcode_prefix != "", len(a.postcode_prefix)))
        if whole:
            return whole[0]
    return None


def _place_name(area: ServiceArea | None, city: str, postcode: str) -> str:
    name = " ".join((city or (area.city if area else "")).split())
    return f"{name} {postcode}".strip() if postcode else name


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ApplicationError("weight_invalid", "Give the weight in kilograms, e.g. 2.5.") from None
    if not weight.is_finite() or weight <= 0 or weight > 100000:
        raise ApplicationError("weight_invalid", "Give the weight in kilograms, more than 0.")
    return weight.quantize(Decimal("0.01"))


def shipping_quote(*, weight_kg, city: str = "", postcode: str = "", language: str = "en") -> dict:
    """The fee for a parcel of this weight to this place, from the fee table staff edit in the admin."""
    weight = _weight(weight_kg)
    area = service_area_find(city=city, postcode=postcode)
    place = _place_name(area, city, postcode)
    if area is None:
        raise ApplicationError("place_unknown", f"We do not know the place {place!r}; check the city or postcode.")
    if not area.served:
        raise ApplicationError("place_not_served", f"We do not deliver to {place} yet.")
    zone = area.zone
    rates = list(ShippingRate.objects.filter(zone=zone).order_by("max_weight_kg"))
    rate = next((r for r in rates if weight <= r.max_weight_kg), None)
    if rate is None:
        limit = rates[-1].max_weight_kg if rates else Decimal(0)
        raise ApplicationError("overweight", f"We carry parcels up to {limit} kg to this zone.",
                               max_weight_kg=str(limit))
    lower = max((r.max_weight_kg for r in rates if r.max_weight_kg < rate.max_weight_kg), default=Decimal(0))
    zone_name = zone.localized("name", language)
    transit = say("transit", language, days=zone.transit_days) if zone.transit_days else ""
    answer = say("fee", language, weight=_plain(weight), place=place, zone=zone_name, price=rate.price,
                 currency=zone.currency, transit=transit)
    return {
        "answer": answer, "language": language, "place": place, "city": area.city,
        "zone": {"code": zone.code, "name": zone_name},
        "weight_kg": str(weight), "bracket": {"above_kg": str(lower), "up_to_kg": str(rate.max_weight_kg)},
        "price": str(rate.price), "currency": zone.currency, "transit_days": zone.transit_days or None,
    }


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def service_area_check(*, city: str = "", postcode: str = "", language: str = "en") -> dict:
    area = service_area_find(city=city, postcode=postcode)
    place = _place_name(area, city, postcode)
    served = bool(area and area.served)
    zone = area.zone if area else None
    answer = (say("served", language, place=place, zone=zone.localized("name", language)) if served
              else say("not_served", language, place=place))
    return {"answer": answer, "language": language, "served": served, "place": place,
            "city": area.city if area else None,
            "zone": {"code": zone.code, "name": zone.localized("name", language)} if served else None}


def pickup_points_for_place(*, city: str = "", postcode: str = "", kind: str = "", language: str = "en",
                            limit: int = 3) -> dict:
    """The nearest stations/lockers to a place with their opening hours (nearest to the area's centre)."""
    area = service_area_find(city=city, postcode=postcode)
    place = _place_name(area, city, postcode)
    search_city = area.city if area else " ".join(city.split())
    ranked = pickup_points_near(city=search_city, latitude=area.latitude if area else None,
                                longitude=area.longitude if area else None, limit=50)
    if kind:
        ranked = [(p, km) for p, km in ranked if p.kind == kind]
    ranked = ranked[:limit]
    results = [{"id": p.id, "code": p.code, "kind": p.kind, "name": p.name, "address": p.address,
                "opening_hours": p.opening_hours, "distance_km": km, "available": p.available} for p, km in ranked]
    if not results:
        answer = say("points_none", language, place=place)
    else:
        lines = [say("points_intro", language, place=place)]
        for n, (p, km) in enumerate(ranked, start=1):
            lines.append(say("point_line", language, n=n, name=p.name, kind=say(f"kind_{p.kind}", language),
                             address=p.address, hours=p.opening_hours,
                             distance=say("distance", language, km=km) if km is not None else ""))
        answer = "\n".join(lines)
    return {"answer": answer, "language": language, "place": place, "results": results}


def faq_answer(*, topic: str, language: str = "en") -> dict:
    entry = FaqAnswer.objects.filter(topic=topic).first()
    if entry is None:
        raise NotFound("faq_not_found", "No answer is kept for that topic yet.")
    return {"topic": entry.topic, "answer": entry.localized("answer", language), "language": language,
            "items": entry.items, "updated_at": entry.updated_at.isoformat()}


# --- What dispatch and agents see ---------------------------------------------------------------------


def delivery_preference_json(preference: DeliveryPreference | None) -> dict | None:
    if preference is None:
        return None
    point = preference.pickup_point
    return {
        "method": preference.method,
        "pickup_point": ({"code": point.code, "kind": point.kind, "name": point.name, "address": point.address,
                          "city": point.city} if point is not None and preference.method != "door" else None),
        "time_slots": [{"slot": s, "start": SLOT_HOURS[s][0], "end": SLOT_HOURS[s][1]}
                       for s in preference.time_slots if s in SLOT_HOURS],
        "appointment_date": preference.appointment_date.isoformat() if preference.appointment_date else None,
        "instructions": preference.instructions,
        "updated_at": preference.updated_at.isoformat(),
        "channel": preference.channel,
    }


def shipment_delivery_preference(shipment) -> dict | None:
    try:
        return delivery_preference_json(shipment.delivery_preference)
    except DeliveryPreference.DoesNotExist:
        return None


def return_json(request: ReturnRequest) -> dict:
    point = request.pickup_point
    back = request.return_shipment
    return {
        "return_tracking_number": back.tracking_number,
        "original_tracking_number": request.shipment.tracking_number,
        "status": back.status,
        "reason": request.reason, "comment": request.comment, "method": request.method,
        "pickup_date": request.pickup_date.isoformat() if request.pickup_date else None,
        "pickup_address": ({"address": back.address, "city": back.city, "postcode": back.postcode}
                           if request.method == ReturnRequest.Method.PICKUP else None),
        "drop_off_point": ({"code": point.code, "kind": point.kind, "name": point.name, "address": point.address,
                            "opening_hours": point.opening_hours} if point is not None else None),
        "created_at": request.created_at.isoformat(), "channel": request.channel,
    }


def return_pickups_due(*, station, day: dt.date) -> list[dict]:
    """Returns a courier must collect from the customer's address on `day` (or overdue), for the station's run."""
    requests = (
        ReturnRequest.objects.filter(shipment__station=station, method=ReturnRequest.Method.PICKUP,
                                     pickup_date__lte=day, return_shipment__status=ShipmentStatus.CREATED)
        .select_related("shipment", "return_shipment", "pickup_point")
        .order_by("pickup_date", "id")
    )
    rows = []
    for r in requests:
        row = return_json(r)
        row.update(recipient_name=r.return_shipment.sender_name, recipient_phone=r.return_shipment.recipient_phone,
                   overdue=r.pickup_date < day)
        rows.append(row)
    return rows


def pickup_points_of_kind(*, shipment, kind: str):
    return PickupPoint.objects.filter(Q(city__iexact=shipment.city) | Q(station=shipment.station_id), kind=kind,
                                      active=True)
