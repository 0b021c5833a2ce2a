"""Reads about personal data: who may unmask it, the unmask audit, and which shipments are due for anonymization."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from helpdesk.shipments.models import Shipment, ShipmentStatus

from .models import UnmaskEvent

CLOSED_STATUSES = (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)


def can_unmask(user) -> bool:
    """Whether this staff member's role may ask to see a recipient's phone and address (PRIVACY_UNMASK_ROLES)."""
    profile = getattr(user, "agent_profile", None) if user is not None and user.is_authenticated else None
    return bool(profile and profile.role in settings.PRIVACY_UNMASK_ROLES)


def unmask_events(*, since: dt.datetime, until: dt.datetime) -> QuerySet[UnmaskEvent]:
    return UnmaskEvent.objects.filter(created_at__gte=since, created_at__lt=until).order_by("-created_at", "-id")


def anonymization_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.PRIVACY_ANONYMIZE_AFTER_DAYS)


def shipments_due_for_anonymization(*, cutoff: dt.datetime) -> QuerySet[Shipment]:
    """Delivered or returned before the cutoff (delivery time, else the last status change) and not yet anonymized."""
    return (
        Shipment.objects.filter(status__in=CLOSED_STATUSES, anonymization__isnull=True)
        .annotate(closed_at=Coalesce("delivered_at", "status_changed_at", "updated_at"))
        .filter(closed_at__lt=cutoff)
        .order_by("closed_at", "id")
    )


def shipment_is_anonymized(shipment: Shipment) -> bool:
    return Shipment.objects.filter(pk=shipment.pk, anonymization__isnull=False).exists()


