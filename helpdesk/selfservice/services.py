"""Self-service writes: delivery preferences, returns, and the tracking page's one-time code. Each change to a
shipment tells dispatch through the outbox in the same transaction."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict, NotFound, RateLimited
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.services import outbox_event_record
from helpdesk.network.models import PickupPoint
from helpdesk.shipments.models import CHANGEABLE_STATUSES, Shipment, ShipmentStatus, TrackingEvent
from helpdesk.shipments.services import Actor

from .models import DeliveryMethod, DeliveryPreference, PageCode, ReturnRequest, TimeSlot
from .selectors import delivery_preference_json, return_json

PREFERENCE_SET = OutboxEvent.Kind.DELIVERY_PREFERENCE_SET
RETURN_REQUESTED = OutboxEvent.Kind.RETURN_REQUESTED

APPOINTMENT_HORIZON_DAYS = 14


def _locked(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update(of=("self",)).select_related("station").get(pk=shipment.pk)


def delivery_preference_set(*, shipment: Shipment, actor: Actor, method: str, pickup_point_id: int | None = None,
                            time_slots: list[str] | tuple = (), appointment_date: dt.date | None = None,
                            instructions: str = "", channel: str = "") -> DeliveryPreference:
    """Door, a pickup station or a locker, preferred time slots and an appointment day, for dispatch to plan on."""
    if method not in DeliveryMethod.values:
        raise ApplicationError("method_invalid", "Choose door, station or locker.")
    slots = list(dict.fromkeys(time_slots or []))
    if any(s not in TimeSlot.values for s in slots):
        raise ApplicationError("time_slot_invalid", "Time slots are morning, afternoon and evening.")
    instructions = " ".join((instructions or "").split())
    if len(instructions) > 200:
        raise ApplicationError("instructions_too_long", "Keep the courier instructions under 200 characters.")
    today = timezone.localdate()
    if appointment_date is not None and not today < appointment_date <= today + dt.timedelta(days=APPOINTMENT_HORIZON_DAYS):
        raise ApplicationError("appointment_date_invalid",
                               f"Choose an appointment day from tomorrow to {APPOINTMENT_HORIZON_DAYS} days ahead.")
    if method == DeliveryMethod.DOOR:
        if pickup_point_id is not None:
            raise ApplicationError("pickup_point_not_expected", "Door delivery takes no pickup point.")
    elif pickup_point_id is None:
        raise ApplicationError("pickup_point_required", "Choose the station or locker.")
    with transaction.atomic():
        shipment = _locked(shipment)
        if shipment.status not in CHANGEABLE_STATUSES:
            raise Conflict("shipment_not_changeable", "The parcel is out for delivery or finished; it can no longer "
                                                      "be changed.", status_label=shipment.get_status_display())
        point = None
        if method != DeliveryMethod.DOOR:
            point = PickupPoint.objects.filter(pk=pickup_point_id, active=True, kind=method).first()
            if point is None:
                raise NotFound("pickup_point_not_found", f"No open {method} with that id.")
            if point.city.casefold() != shipment.city.casefold() and point.station_id != shipment.station_id:
                raise ApplicationError("pickup_point_out_of_area", "That pickup point is not in the delivery area.")
        existing = DeliveryPreference.objects.select_for_update().filter(shipment=shipment).first()
        before = delivery_preference_json(existing)
        preference = existing or DeliveryPreference(shipment=shipment)
        preference.method = method
        preference.pickup_point = point
        preference.time_slots = [s for s in TimeSlot.values if s in slots]  # always in the day's order
        preference.appointment_date = appointment_date
        preference.instructions = instructions
        preference.channel = channel or actor.channel
        preference.save()
        after = delivery_preference_json(preference)
        outbox_event_record(shipment=shipment, kind=PREFERENCE_SET, payload={
            "station": shipment.station.code, "preference": after, "before": before, "by": actor.kind,
            "channel": preference.channel,
        })
    return preference


# --- Returns -------------------------------------------------------------------------------------------


def _return_tracking_number() -> str:
    while True:
        number = f"RT{secrets.randbelow(10**12):012d}"
        if not Shipment.objects.filter(tracking_number=number).exists():
            return number


def shipment_return_start(*, shipment: Shipment, actor: Actor, reason: str, method: str,
                          pickup_point_id: int | None = None, comment: str = "") -> ReturnRequest:
    """Send a delivered parcel back to its sender: a new shipment with its own tracking number, collected from the
    address (next day) or dropped off at a station or locker."""
    if reason not in ReturnRequest.Reason.values:
        raise ApplicationError("reason_invalid", "Give a return reason: " + ", ".join(ReturnRequest.Reason.values))
    if method not in ReturnRequest.Method.values:
        raise ApplicationError("method_invalid", "Choose pickup or drop_off.")
    comment = " ".join((comment or "").split())
    if len(comment) > 500:
        raise ApplicationError("comment_too_long", "Keep the comment under 500 characters.")
    if method == ReturnRequest.Method.DROP_OFF and pickup_point_id is None:
        raise ApplicationError("pickup_point_required", "Choose the station or locker to drop the parcel off at.")
    with transaction.atomic():
        shipment = _locked(shipment)
        if ReturnRequest.objects.filter(return_shipment=shipment).exists():
            raise Conflict("return_of_return", "This is already a return shipment.")
        if shipment.status != ShipmentStatus.DELIVERED or shipment.delivered_at is None:
            raise Conflict("shipment_not_delivered", "Only a delivered parcel can be returned.",
                           status=409, status_label=shipment.get_status_display())
        closes = shipment.delivered_at + dt.timedelta(days=settings.RETURN_WINDOW_DAYS)
        if timezone.now() > closes:
            raise Conflict("return_window_closed",
                           f"Returns are possible up to {settings.RETURN_WINDOW_DAYS} days after delivery.",
                           window_days=settings.RETURN_WINDOW_DAYS, closed_at=closes.isoformat())
        if ReturnRequest.objects.filter(shipment=shipment).exists():
            raise Conflict("return_already_started", "A return was already started for this parcel.",
                           return_tracking_number=ReturnRequest.objects.filter(shipment=shipment)
                           .values_list("return_shipment__tracking_number", flat=True).first())
        point, pickup_date = None, None
        if method == ReturnRequest.Method.DROP_OFF:
            point = PickupPoint.objects.filter(pk=pickup_point_id, active=True).first()
            if point is None:
                raise NotFound("pickup_point_not_found", "That station or locker does not exist or is closed.")
            address, city, postcode = point.address, point.city, ""
        else:
            if pickup_point_id is not None:
                raise ApplicationError("pickup_point_not_expected", "A courier pickup takes no pickup point.")
            address, city, postcode = shipment.address, shipment.city, shipment.postcode
            pickup_date = timezone.localdate() + dt.timedelta(days=1)
        back = Shipment.objects.create(
            tracking_number=_return_tracking_number(), customer=shipment.customer,
            sender_name=shipment.recipient_name, recipient_name=shipment.sender_name,
            # The phone on file stays the returning customer's, so they can track and verify the return.
            recipient_phone=shipment.recipient_phone, address=address, city=city, postcode=postcode,
            country=shipment.country, latitude=None if point else shipment.latitude,
            longitude=None if point else shipment.longitude, station=shipment.station, weight_kg=shipment.weight_kg,
            status=ShipmentStatus.CREATED, status_changed_at=timezone.now(),
        )
        TrackingEvent.objects.create(
            shipment=back, status=ShipmentStatus.CREATED, occurred_at=timezone.now(), location=city,
            description=f"Return of {shipment.tracking_number} registered",
        )
        request = ReturnRequest.objects.create(
            shipment=shipment, return_shipment=back, reason=reason, comment=comment, method=method,
            pickup_point=point, pickup_date=pickup_date, channel=actor.channel,
        )
        outbox_event_record(shipment=back, kind=RETURN_REQUESTED, payload={
            "station": shipment.station.code, "return": return_json(request), "by": actor.kind,
            "channel": actor.channel,
        })
    return request


# --- One-time code on the tracking page ---------------------------------------------------------------


def _code_hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}:{settings.SECRET_KEY}".encode()).hexdigest()


def page_code_send(*, shipment: Shipment, language: str = "en") -> PageCode:
    """Text a 6-digit code to the phone on file (never shown on the page); limited per phone and hour."""
    from helpdesk.shipments.models import OneTimeCode

    hour_ago = timezone.now() - dt.timedelta(hours=1)
    sent = (PageCode.objects.filter(phone=shipment.recipient_phone, created_at__gte=hour_ago).count()
            + OneTimeCode.objects.filter(phone=shipment.recipient_phone, created_at__gte=hour_ago).count())
    if sent >= settings.OTP_MAX_SENDS_PER_HOUR:
        raise RateLimited("otp_too_many_requests", "Too many codes were sent to this phone; try again in an hour.")
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        otp = PageCode.objects.create(
            shipment=shipment, phone=shipment.recipient_phone, code_hash=f"{salt}${_code_hash(code, salt)}",
            language=language, expires_at=timezone.now() + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        from .tasks import page_code_sms_send

        transaction.on_commit(lambda: page_code_sms_send.delay(otp.id, code))
    return otp


def page_code_confirm(*, shipment: Shipment, code: str) -> None:
    """Accept the latest code for the shipment, or refuse: wrong (attempts left), expired, locked."""
    with transaction.atomic():
        otp = (PageCode.objects.select_for_update().filter(shipment=shipment, confirmed_at__isnull=True)
               .order_by("-created_at").first())
        if otp is None:
            raise ApplicationError("otp_not_started", "Ask for a code first.")
        if otp.failed_attempts >= settings.OTP_MAX_ATTEMPTS:
            raise ApplicationError("otp_locked", "Too many wrong codes. Ask for a new code.")
        if otp.expires_at <= timezone.now():
            raise ApplicationError("otp_expired", "The code has expired. Ask for a new one.")
        salt, digest = otp.code_hash.split("$", 1)
        if hmac.compare_digest(_code_hash(code.strip(), salt), digest):
            otp.confirmed_at = timezone.now()
            otp.save(update_fields=["confirmed_at"])
            return
        otp.failed_attempts += 1
        otp.save(update_fields=["failed_attempts"])
        left = settings.OTP_MAX_ATTEMPTS - otp.failed_attempts
    if left <= 0:
        raise ApplicationError("otp_locked", "Too many wrong codes. Ask for a new code.")
    raise ApplicationError("otp_invalid", "That code is not right.", attempts_left=left)

