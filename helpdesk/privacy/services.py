"""Writes about personal data: showing a recipient's phone and address for a logged reason, and erasing them from
closed shipments once the retention period is over."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from helpdesk.core.errors import ApplicationError, Conflict, Forbidden
from helpdesk.shipments.models import DeliveryAttempt, OneTimeCode, Shipment, ShipmentChange

from .masking import PERSONAL_KEYS
from .models import AnonymizationRun, ShipmentAnonymization, UnmaskEvent
from .selectors import anonymization_cutoff, can_unmask, shipments_due_for_anonymization

REASON_MIN_LENGTH = 5
UNMASKED_FIELDS = ["recipient_phone", "address", "postcode"]


def shipment_unmask(*, shipment: Shipment, viewer, reason: str, via: str = UnmaskEvent.Via.API) -> dict:
    """The recipient's phone and address, for a viewer whose role allows it and who says why; the audit row is
    written before anything is returned, so nothing is shown that was not logged."""
    if not can_unmask(viewer):
        raise Forbidden("unmask_not_allowed", "Your role may not see recipients' phone numbers and addresses.")
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN_LENGTH:
        raise ApplicationError("reason_required", f"Say why you need to see it (at least {REASON_MIN_LENGTH} characters).")
    if hasattr(shipment, "anonymization") or ShipmentAnonymization.objects.filter(shipment_id=shipment.pk).exists():
        raise Conflict("shipment_anonymized", "This shipment's personal data was erased after its retention period.")
    UnmaskEvent.objects.create(
        viewer=viewer, viewer_username=viewer.get_username(), viewer_role=viewer.agent_profile.role, shipment=shipment,
        tracking_number=shipment.tracking_number, fields=UNMASKED_FIELDS, reason=reason[:300], via=via,
    )
    return {"tracking_number": shipment.tracking_number, "recipient_phone": shipment.recipient_phone,
            "address": shipment.address, "city": shipment.city, "postcode": shipment.postcode}


def _erased(data):
    if not isinstance(data, dict):
        return data
    return {key: (None if key in PERSONAL_KEYS and value not in (None, "") else value) for key, value in data.items()}


def _has_personal_keys(data) -> bool:
    return isinstance(data, dict) and any(data.get(key) not in (None, "") for key in PERSONAL_KEYS)


BATCH = 500


def shipments_anonymize(*, dry_run: bool, now: dt.datetime | None = None, sample: int = 100) -> AnonymizationRun:
    """Erase the recipient's name, phone, address and GPS fixes from shipments delivered or returned more than
    PRIVACY_ANONYMIZE_AFTER_DAYS ago. Rows are kept (blanked, not deleted), so every report counts the same before
    and after; each shipment is marked, so a second run finds nothing. A dry run counts and lists, and changes nothing.
    """
    cutoff = anonymization_cutoff(now)
    due = shipments_due_for_anonymization(cutoff=cutoff)
    counts = {"shipments": 0, "delivery_attempts": 0, "shipment_changes": 0, "one_time_codes": 0}
    tracking_numbers: list[str] = []
    last_id = 0
    while True:
        # Walk by id so a real run (which removes rows from `due`) and a dry run (which does not) see the same set.
        batch = list(due.filter(id__gt=last_id).order_by("id").values_list("id", "tracking_number")[:BATCH])
        if not batch:
            break
        last_id = batch[-1][0]
        ids = [pk for pk, _ in batch]
        tracking_numbers.extend(tn for _, tn in batch[: max(0, sample - len(tracking_numbers))])
        attempts = DeliveryAttempt.objects.filter(shipment_id__in=ids).filter(
            ~Q(signed_by="") | ~Q(proof_photo_url="") | Q(latitude__isnull=False) | Q(longitude__isnull=False))
        changes = [c for c in ShipmentChange.objects.filter(shipment_id__in=ids).only("id", "before", "after")
                   if _has_personal_keys(c.before) or _has_personal_keys(c.after)]
        codes = OneTimeCode.objects.filter(shipment_id__in=ids)
        counts["shipments"] += len(ids)
        counts["delivery_attempts"] += attempts.count()
        counts["shipment_changes"] += len(changes)
        counts["one_time_codes"] += codes.count()
        if dry_run:
            continue
        with transaction.atomic():
            locked = list(Shipment.objects.select_for_update(of=("self",)).filter(id__in=ids, anonymization__isnull=True)
                          .order_by("id").values_list("id", flat=True))
            Shipment.objects.filter(id__in=locked).update(recipient_name="", recipient_phone="", address="", postcode="",
                                                         latitude=None, longitude=None)
            attempts.filter(shipment_id__in=locked).update(signed_by="", proof_photo_url="", latitude=None, longitude=None)
            for change in changes:
                change.before, change.after = _erased(change.before), _erased(change.after)
            ShipmentChange.objects.bulk_update([c for c in changes], ["before", "after"])
            codes.filter(shipment_id__in=locked).delete()
            ShipmentAnonymization.objects.bulk_create([ShipmentAnonymization(shipment_id=pk) for pk in locked],
                                                      ignore_conflicts=True)
    return AnonymizationRun.objects.create(dry_run=dry_run, cutoff=cutoff, counts=counts, tracking_numbers=tracking_numbers)
