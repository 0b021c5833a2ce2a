"""Reads of the dispatch feed and the next-day re-delivery manifest."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Prefetch
from django.utils import timezone

from helpdesk.network.models import Station
from helpdesk.privacy.masking import MASK
from helpdesk.selfservice.selectors import shipment_delivery_preference
from helpdesk.shipments.models import DeliveryAttempt, Shipment, ShipmentChange, ShipmentStatus

from .models import OutboxEvent


def outbox_events_after(*, cursor: int, limit: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(id__gt=cursor).order_by("id")[:limit])


def _zone(station: Station):
    try:
        return zoneinfo.ZoneInfo(station.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _retry_on(shipment: Shipment, failed_on: dt.date | None) -> dt.date:
    """The day of the next attempt: the window or ETA chosen after the failure, else the next day."""
    if failed_on is None:
        failed_on = timezone.localdate()
    window = shipment.delivery_window
    if window is not None and window.date > failed_on:
        return window.date
    if shipment.eta and shipment.eta > failed_on:
        return shipment.eta
    return failed_on + dt.timedelta(days=1)


def _response(change: ShipmentChange, *, masked: bool = False) -> dict:
    after = change.after or {}
    # The summary is free text, so a key-based mask cannot reach the address in it: a staff login gets it masked here.
    address = MASK if masked and after.get("address") else after.get("address")
    if change.kind == ShipmentChange.Kind.RESCHEDULE:
        window = after.get("delivery_window") or {}
        summary = f"rescheduled to {window.get('date')} {window.get('start')}–{window.get('end')}"
    elif change.kind == ShipmentChange.Kind.REDIRECT:
        summary = f"redirected to {after.get('pickup_point_code')} ({address})"
    else:
        summary = f"new address: {address}"
    return {"kind": change.kind, "at": change.created_at.isoformat(), "by": change.actor_kind,
            "channel": change.channel, "summary": summary}


def redelivery_manifest(*, station: Station, day: dt.date, masked: bool = False) -> list[dict]:
    """Every shipment of the station whose failed delivery is to be retried on `day` (or is overdue for it),
    with where and when to go and what the customer answered. `masked`: the addresses in the customer's answers'
    summaries too (the caller masks the keyed fields with `deep_masked`)."""
    zone = _zone(station)
    shipments = (
        Shipment.objects.filter(station=station, status=ShipmentStatus.DELIVERY_FAILED)
        .select_related("delivery_window", "pickup_point", "delivery_preference__pickup_point")
        .prefetch_related(
            Prefetch("attempts", to_attr="failed_attempts", queryset=DeliveryAttempt.objects.filter(
                outcome=DeliveryAttempt.Outcome.FAILED).select_related("courier").order_by("attempted_at", "id")),
            Prefetch("changes", to_attr="customer_changes", queryset=ShipmentChange.objects.exclude(
                kind=ShipmentChange.Kind.VERIFIED).order_by("created_at", "id")),
        )
        .order_by("tracking_number")
    )
    rows = []
    for shipment in shipments:
        last = shipment.failed_attempts[-1] if shipment.failed_attempts else None
        failed_on = last.attempted_at.astimezone(zone).date() if last else None
        retry_on = _retry_on(shipment, failed_on)
        if retry_on > day:
            continue
        answers = [c for c in shipment.customer_changes if last is None or c.created_at >= last.attempted_at]
        window = shipment.delivery_window
        point = shipment.pickup_point
        if point is not None:
            destination = {"kind": "pickup_point", "pickup_point": point.code, "name": point.name,
                           "pickup_point_kind": point.kind, "address": point.address, "city": point.city,
                           "postcode": ""}
        else:
            destination = {"kind": "address", "address": shipment.address, "city": shipment.city,
                           "postcode": shipment.postcode,
                           "latitude": str(shipment.latitude) if shipment.latitude is not None else None,
                           "longitude": str(shipment.longitude) if shipment.longitude is not None else None}
        rows.append({
            "tracking_number": shipment.tracking_number,
            "retry_on": retry_on.isoformat(),
            "overdue": retry_on < day,
            "window": ({"date": window.date.isoformat(), "start": f"{window.start:%H:%M}", "end": f"{window.end:%H:%M}"}
                       if window is not None and window.date == retry_on else None),
            "destination": destination,
            "recipient_name": shipment.recipient_name,
            "recipient_phone": shipment.recipient_phone,
            "failed_attempts": len(shipment.failed_attempts),
            "last_attempt": {
                "at": last.attempted_at.isoformat(), "reason": last.reason,
                "courier": last.courier.code if last.courier else None, "disputed": last.disputed,
            } if last else None,
            "customer_response": _response(answers[-1], masked=masked) if answers else None,
            "customer_responses": [_response(c, masked=masked) for c in answers],
            "delivery_preference": shipment_delivery_preference(shipment),  # door/station/locker, slots, appointment
        })
    return rows
