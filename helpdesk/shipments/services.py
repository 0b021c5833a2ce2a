"""What customers (through the bot) and agents do to a shipment. Every change is audited and sent to dispatch."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict, Forbidden, NotFound, RateLimited
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.services import outbox_event_record
from helpdesk.network.models import DeliveryWindow, PickupPoint

from .models import ActorKind, DeliveryAttempt, OneTimeCode, Shipment, ShipmentChange, ShipmentStatus

logger = logging.getLogger(__name__)

TRACKING_LOOKUPS_PER_WINDOW = 20
TRACKING_LOOKUP_WINDOW_SECONDS = 600


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who is making a change: a customer through a conversation, an agent, or the system."""

    kind: str
    user: object | None = None
    conversation: object | None = None

    @property
    def channel(self) -> str:
        if self.conversation is not None:
            return self.conversation.channel
        return "agent_ui" if self.kind == ActorKind.AGENT else ""

    @classmethod
    def customer(cls, conversation) -> "Actor":
        return cls(kind=ActorKind.CUSTOMER, conversation=conversation)

    @classmethod
    def agent(cls, user, conversation=None) -> "Actor":
        return cls(kind=ActorKind.AGENT, user=user, conversation=conversation)


# --- Who may see and change a shipment --------------------------------------------------------


def conversation_is_verified_for(*, conversation, shipment: Shipment) -> bool:
    """A conversation is the recipient when its proven phone (or its channel phone) is the phone on file."""
    if conversation.verified_phone and conversation.verified_phone == shipment.recipient_phone:
        return True
    return conversation.channel in ("sms", "whatsapp") and conversation.external_user_id == shipment.recipient_phone


def tracking_lookup_register(*, conversation) -> None:
    """Count one tracking look-up for this sender; refuse past the limit (stops number scraping)."""
    key = f"tracking-lookups:{conversation.pk}"
    cache.add(key, 0, timeout=TRACKING_LOOKUP_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=TRACKING_LOOKUP_WINDOW_SECONDS)
        count = 1
    if count > TRACKING_LOOKUPS_PER_WINDOW:
        raise RateLimited(
            "rate_limited", "Too many tracking look-ups; please wait a few minutes.", retry_after=TRACKING_LOOKUP_WINDOW_SECONDS
        )


def _require_change_allowed(*, shipment: Shipment, actor: Actor) -> None:
    if actor.kind == ActorKind.CUSTOMER and not conversation_is_verified_for(conversation=actor.conversation, shipment=shipment):
        raise Forbidden("verification_required", "Confirm the one-time code sent to the phone on file first.")
    if not shipment.changeable:
        raise Conflict(
            "shipment_not_changeable",
            f"The shipment is {shipment.get_status_display().lower()} and can no longer be changed.",
            status_now=shipment.status,
        )


def _audit(*, shipment: Shipment, kind: str, actor: Actor, before: dict, after: dict) -> ShipmentChange:
    return ShipmentChange.objects.create(
        shipment=shipment,
        kind=kind,
        actor_kind=actor.kind,
        actor=actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None,
        conversation=actor.conversation,
        channel=actor.channel,
        before=before,
        after=after,
    )


def _locked(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update(of=("self",)).select_related("delivery_window", "pickup_point", "station").get(pk=shipment.pk)


def _failed_attempt_answered(shipment: Shipment) -> dict | None:
    """When a change answers a failed attempt, dispatch gets it with the attempt it answers."""
    if shipment.status != ShipmentStatus.DELIVERY_FAILED:
        return None
    attempt = (DeliveryAttempt.objects.filter(shipment=shipment, outcome=DeliveryAttempt.Outcome.FAILED)
               .order_by("-attempted_at", "-id").values("id", "reason", "attempted_at").first())
    if attempt is None:
        return None
    return {"attempt": attempt["id"], "reason": attempt["reason"], "attempted_at": attempt["attempted_at"].isoformat()}


def _window_json(window: DeliveryWindow | None) -> dict | None:
    if window is None:
        return None
    return {"id": window.id, "date": window.date.isoformat(), "start": f"{window.start:%H:%M}", "end": f"{window.end:%H:%M}"}


# --- One-time codes -------------------------------------------------------------------------------


def _code_hash(code: str, otp_id_salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{otp_id_salt}:{code}".encode(), hashlib.sha256).hexdigest()


def shipment_verification_start(*, conversation, shipment: Shipment) -> dict:
    """Verify the sender as the recipient: at once if the channel phone matches, else by an SMS code."""
    if conversation_is_verified_for(conversation=conversation, shipment=shipment):
        if conversation.verified_phone != shipment.recipient_phone:
            conversation.verified_phone = shipment.recipient_phone
            conversation.save(update_fields=["verified_phone", "updated_at"])
        return {"verified": True}
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if (
        OneTimeCode.objects.filter(phone=shipment.recipient_phone, created_at__gte=hour_ago).count()
        >= settings.OTP_MAX_SENDS_PER_HOUR
    ):
        raise RateLimited("otp_too_many_requests", "Too many codes were sent to this phone; try again in an hour.")
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        otp = OneTimeCode.objects.create(
            conversation=conversation,
            shipment=shipment,
            phone=shipment.recipient_phone,
            code_hash=f"{salt}${_code_hash(code, salt)}",
            expires_at=timezone.now() + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        from .tasks import one_time_code_send

        transaction.on_commit(lambda: one_time_code_send.delay(otp.id, code))
    from helpdesk.customers.phones import phone_mask

    return {"verified": False, "sent_to": phone_mask(shipment.recipient_phone), "expires_in": settings.OTP_TTL_SECONDS}


def shipment_verification_confirm(*, conversation, shipment: Shipment, code: str) -> dict:
    """Check a code; three wrong tries lock it, and an expired one is refused."""
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(conversation=conversation, shipment=shipment, confirmed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise ApplicationError("otp_not_started", "No code was sent for this shipment in this conversation.")
        if otp.failed_attempts >= settings.OTP_MAX_ATTEMPTS:
            raise ApplicationError("otp_locked", "Too many wrong codes. Ask for a new code or talk to an agent.")
        if otp.expires_at <= timezone.now():
            raise ApplicationError("otp_expired", "The code has expired. Ask for a new one.")
        salt, digest = otp.code_hash.split("$", 1)
        if not hmac.compare_digest(_code_hash(code.strip(), salt), digest):
            # The wrong try is counted in this committed transaction; the refusal is raised after it.
            otp.failed_attempts += 1
            otp.save(update_fields=["failed_attempts"])
            wrong_left = settings.OTP_MAX_ATTEMPTS - otp.failed_attempts
        else:
            wrong_left = None
            _otp_accept(otp=otp, conversation=conversation, shipment=shipment)
    if wrong_left is None:
        return {"verified": True}
    if wrong_left <= 0:
        raise ApplicationError("otp_locked", "Too many wrong codes. Ask for a new code or talk to an agent.")
    raise ApplicationError("otp_invalid", "That code is not right.", attempts_left=wrong_left)


def _otp_accept(*, otp: OneTimeCode, conversation, shipment: Shipment) -> None:
    """The code matched: the conversation is now proven to be the recipient (audited)."""
    otp.confirmed_at = timezone.now()
    otp.save(update_fields=["confirmed_at"])
    conversation.verified_phone = otp.phone
    conversation.save(update_fields=["verified_phone", "updated_at"])
    _audit(
        shipment=shipment,
        kind=ShipmentChange.Kind.VERIFIED,
        actor=Actor.customer(conversation),
        before={},
        after={"method": "one_time_code"},
    )


# --- Changes ----------------------------------------------------------------------------------------


def shipment_reschedule(*, shipment: Shipment, window_id: int, actor: Actor) -> Shipment:
    """Move delivery into another window of the shipment's station that still has capacity."""
    with transaction.atomic():
        shipment = _locked(shipment)
        _require_change_allowed(shipment=shipment, actor=actor)
        window = DeliveryWindow.objects.select_for_update().filter(pk=window_id, station=shipment.station_id).first()
        if window is None:
            raise NotFound("window_not_found", "That delivery window does not exist for this shipment's station.")
        if window.date <= timezone.localdate():
            raise ApplicationError("window_in_past", "Choose a window from tomorrow on.")
        if window.id == shipment.delivery_window_id:
            raise ApplicationError("window_unchanged", "The shipment is already planned in that window.")
        if window.booked >= window.capacity:
            raise ApplicationError("window_full", "That window has just filled up; choose another.")
        before = {"delivery_window": _window_json(shipment.delivery_window), "eta": shipment.eta and shipment.eta.isoformat()}
        if shipment.delivery_window_id:
            old = DeliveryWindow.objects.select_for_update().get(pk=shipment.delivery_window_id)
            if old.booked > 0:
                old.booked -= 1
                old.save(update_fields=["booked", "updated_at"])
        window.booked += 1
        window.save(update_fields=["booked", "updated_at"])
        shipment.delivery_window = window
        shipment.eta = window.date
        shipment.eta_as_of = timezone.now()
        shipment.save(update_fields=["delivery_window", "eta", "eta_as_of", "updated_at"])
        after = {"delivery_window": _window_json(window), "eta": window.date.isoformat()}
        _audit(shipment=shipment, kind=ShipmentChange.Kind.RESCHEDULE, actor=actor, before=before, after=after)
        outbox_event_record(
            shipment=shipment,
            kind=OutboxEvent.Kind.RESCHEDULED,
            payload={"station": shipment.station.code, "window": after["delivery_window"], "by": actor.kind,
                     "channel": actor.channel, "answers_failed_attempt": _failed_attempt_answered(shipment)},
        )
    return shipment


def shipment_address_change(*, shipment: Shipment, address: str, actor: Actor, city: str = "", postcode: str = "") -> Shipment:
    """Deliver to another address (same station area); only before the parcel is out for delivery."""
    address = " ".join(address.split())
    if len(address) < 5 or len(address) > 300:
        raise ApplicationError("address_invalid", "Give the full new address (street, building, flat), 5–300 characters.")
    with transaction.atomic():
        shipment = _locked(shipment)
        _require_change_allowed(shipment=shipment, actor=actor)
        before = {"address": shipment.address, "city": shipment.city, "postcode": shipment.postcode,
                  "pickup_point": shipment.pickup_point_id}
        if shipment.pickup_point_id:
            PickupPoint.objects.filter(pk=shipment.pickup_point_id, occupied__gt=0).update(occupied=F("occupied") - 1)
        shipment.address = address
        shipment.city = city or shipment.city
        shipment.postcode = postcode or shipment.postcode
        shipment.pickup_point = None
        shipment.latitude = shipment.longitude = None  # dispatch geocodes the new address
        shipment.save(update_fields=["address", "city", "postcode", "pickup_point", "latitude", "longitude", "updated_at"])
        after = {"address": shipment.address, "city": shipment.city, "postcode": shipment.postcode, "pickup_point": None}
        _audit(shipment=shipment, kind=ShipmentChange.Kind.ADDRESS_CHANGE, actor=actor, before=before, after=after)
        outbox_event_record(
            shipment=shipment,
            kind=OutboxEvent.Kind.ADDRESS_CHANGED,
            payload={"station": shipment.station.code, "before": before, "after": after, "by": actor.kind,
                     "channel": actor.channel, "answers_failed_attempt": _failed_attempt_answered(shipment)},
        )
    return shipment


def shipment_redirect(*, shipment: Shipment, pickup_point_id: int, actor: Actor) -> Shipment:
    """Send the parcel to a locker or pickup station instead of the door."""
    with transaction.atomic():
        shipment = _locked(shipment)
        _require_change_allowed(shipment=shipment, actor=actor)
        point = PickupPoint.objects.select_for_update().filter(pk=pickup_point_id, active=True).first()
        if point is None:
            raise NotFound("pickup_point_not_found", "That pickup point does not exist or is closed.")
        if point.id == shipment.pickup_point_id:
            raise ApplicationError("pickup_point_unchanged", "The shipment already goes to that pickup point.")
        if point.occupied >= point.capacity:
            raise ApplicationError("pickup_point_full", "That pickup point is full; choose another.")
        before = {"address": shipment.address, "pickup_point": shipment.pickup_point_id}
        if shipment.pickup_point_id:
            PickupPoint.objects.filter(pk=shipment.pickup_point_id, occupied__gt=0).update(occupied=F("occupied") - 1)
        point.occupied += 1
        point.save(update_fields=["occupied", "updated_at"])
        shipment.pickup_point = point
        shipment.save(update_fields=["pickup_point", "updated_at"])
        after = {"pickup_point": point.id, "pickup_point_code": point.code, "kind": point.kind, "address": point.address}
        _audit(shipment=shipment, kind=ShipmentChange.Kind.REDIRECT, actor=actor, before=before, after=after)
        outbox_event_record(
            shipment=shipment,
            kind=OutboxEvent.Kind.REDIRECTED,
            payload={"station": shipment.station.code, "pickup_point": after, "by": actor.kind,
                     "channel": actor.channel, "answers_failed_attempt": _failed_attempt_answered(shipment)},
        )
    return shipment



# --- Disputed attempts ("I was at home") ------------------------------------------------------------

DISPUTE_WITHIN = dt.timedelta(days=14)  # older attempts are handled as ordinary complaints


def distance_m(lat1, lon1, lat2, lon2) -> int | None:
    """Great-circle (haversine) distance in metres, or None when a coordinate is missing."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi, dlambda = phi2 - phi1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return round(2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a))))


class DisputeVerdict:
    COURIER_AWAY = "courier_away"  # the GPS fix is farther from the address than the threshold
    OUTSIDE_WINDOW = "outside_window"  # at the address, but outside the promised window
    AT_ADDRESS = "at_address"  # GPS and time agree with the courier's report
    NO_COURIER_GPS = "no_courier_gps"
    NO_ADDRESS_COORDINATES = "no_address_coordinates"


@dataclasses.dataclass(frozen=True)
class DisputeResult:
    attempt: DeliveryAttempt
    ticket: object
    verdict: str
    distance_m: int | None


def _dispute_verdict(*, attempt: DeliveryAttempt, shipment: Shipment) -> tuple[str, int | None]:
    if attempt.latitude is None or attempt.longitude is None:
        return DisputeVerdict.NO_COURIER_GPS, None
    metres = distance_m(attempt.latitude, attempt.longitude, shipment.latitude, shipment.longitude)
    if metres is None:
        return DisputeVerdict.NO_ADDRESS_COORDINATES, None
    if metres > settings.DISPUTE_MAX_DISTANCE_M:
        return DisputeVerdict.COURIER_AWAY, metres
    window = shipment.delivery_window
    if window is not None:
        local = timezone.localtime(attempt.attempted_at, _station_zone(shipment))
        if local.date() == window.date and not window.start <= local.time() <= window.end:
            return DisputeVerdict.OUTSIDE_WINDOW, metres
    return DisputeVerdict.AT_ADDRESS, metres


def _station_zone(shipment: Shipment):
    try:
        return zoneinfo.ZoneInfo(shipment.station.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


_VERDICT_TEXT = {
    DisputeVerdict.COURIER_AWAY:
        "the courier's GPS fix was {m} m from the address (threshold {t} m): likely no real attempt",
    DisputeVerdict.OUTSIDE_WINDOW: "the courier was at the address ({m} m) but outside the promised window",
    DisputeVerdict.AT_ADDRESS: "the courier's GPS fix was {m} m from the address, within the promised time",
    DisputeVerdict.NO_COURIER_GPS: "the scan carried no GPS fix",
    DisputeVerdict.NO_ADDRESS_COORDINATES: "the address has no coordinates to compare with",
}


def delivery_attempt_dispute(*, shipment: Shipment, conversation, comment: str = "") -> DisputeResult:
    """The recipient says they were at home: check the last failed attempt, flag it, open a fake-attempt ticket.

    The courier's GPS fix and time are compared with the address's coordinates (haversine, threshold
    DISPUTE_MAX_DISTANCE_M) and the promised window; the verdict goes on the attempt, into the ticket for the
    agent, and to dispatch (outbox), and the disputed attempt counts against the courier in the reports.
    Only the verified recipient may dispute, since it marks a courier.
    """
    from helpdesk.tickets.services import complaint_file

    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ApplicationError("comment_too_long", "Keep the comment under 2000 characters.")
    with transaction.atomic():
        shipment = _locked(shipment)
        if not conversation_is_verified_for(conversation=conversation, shipment=shipment):
            raise Forbidden("verification_required", "Confirm the one-time code sent to the phone on file first.")
        attempt = (
            DeliveryAttempt.objects.select_for_update(of=("self",)).select_related("courier")
            .filter(shipment=shipment, outcome=DeliveryAttempt.Outcome.FAILED).order_by("-attempted_at", "-id").first()
        )
        if attempt is None:
            raise Conflict("no_failed_attempt", "There is no failed delivery attempt on this shipment to dispute.")
        if attempt.disputed:
            raise Conflict("attempt_already_disputed", "This delivery attempt has already been disputed.")
        if timezone.now() - attempt.attempted_at > DISPUTE_WITHIN:
            raise Conflict("attempt_too_old", "That attempt is too old to dispute here; please file a complaint.")
        verdict, metres = _dispute_verdict(attempt=attempt, shipment=shipment)
        attempt.disputed = True
        attempt.disputed_at = timezone.now()
        attempt.dispute_verdict = verdict
        attempt.dispute_distance_m = metres
        attempt.save(update_fields=["disputed", "disputed_at", "dispute_verdict", "dispute_distance_m"])
        courier = attempt.courier
        local = timezone.localtime(attempt.attempted_at, _station_zone(shipment))
        finding = _VERDICT_TEXT[verdict].format(m=metres, t=settings.DISPUTE_MAX_DISTANCE_M)
        who = f"{courier.code} {courier.name}" if courier else "(unknown)"
        description = (
            f"The recipient says they were at home. Courier {who} "
            f"reported \"{attempt.get_reason_display()}\" at {local:%Y-%m-%d %H:%M}; {finding}."
            + (f"\nCustomer: {comment}" if comment else "")
        )
        ticket = complaint_file(conversation=conversation, category="fake_attempt", description=description,
                                shipment=shipment)
        outbox_event_record(shipment=shipment, kind=OutboxEvent.Kind.ATTEMPT_DISPUTED, payload={
            "station": shipment.station.code, "attempt": attempt.id, "scan": attempt.external_id,
            "courier": courier.code if courier else None, "attempted_at": attempt.attempted_at.isoformat(),
            "reason": attempt.reason, "verdict": verdict, "distance_m": metres,
            "threshold_m": settings.DISPUTE_MAX_DISTANCE_M, "ticket": ticket.number, "channel": conversation.channel,
        })
    return DisputeResult(attempt=attempt, ticket=ticket, verdict=verdict, distance_m=metres)
