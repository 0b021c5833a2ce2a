"""What customers (through the bot) and agents do to a shipment. Every change is audited and sent to dispatch."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict, Forbidden, NotFound, RateLimited
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.dispatch.services import outbox_event_record
from helpdesk.network.models import DeliveryWindow, PickupPoint

from .models import ActorKind, OneTimeCode, Shipment, ShipmentChange

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
        shipment.save(update_fields=["delivery_window", "eta", "updated_at"])
        after = {"delivery_window": _window_json(window), "eta": window.date.isoformat()}
        _audit(shipment=shipment, kind=ShipmentChange.Kind.RESCHEDULE, actor=actor, before=before, after=after)
        outbox_event_record(
            shipment=shipment,
            kind=OutboxEvent.Kind.RESCHEDULED,
            payload={"station": shipment.station.code, "window": after["delivery_window"], "by": actor.kind, "channel": actor.channel},
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
            payload={"station": shipment.station.code, "before": before, "after": after, "by": actor.kind, "channel": actor.channel},
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
            payload={"station": shipment.station.code, "pickup_point": after, "by": actor.kind, "channel": actor.channel},
        )
    return shipment

