"""Reads about the network: windows with capacity, nearby pickup points."""
from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import DeliveryWindow, PickupPoint, Station


def delivery_windows_available(*, station: Station, today: dt.date | None = None) -> QuerySet[DeliveryWindow]:
    """Windows from tomorrow on, within the reschedule horizon, that still have capacity."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.RESCHEDULE_HORIZON_DAYS)
    return DeliveryWindow.objects.filter(
        station=station, date__gt=today, date__lte=horizon, booked__lt=F("capacity")
    ).order_by("date", "start")


def _distance_km(lat1, lon1, lat2, lon2) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    lat1, lon1, lat2, lon2 = map(lambda v: math.radians(float(v)), (lat1, lon1, lat2, lon2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(a)), 1)


def pickup_points_near(*, city: str, latitude=None, longitude=None, limit: int = 5) -> list[tuple[PickupPoint, float | None]]:
    """Active pickup points in the city, nearest first when the address has coordinates."""
    points = list(PickupPoint.objects.filter(city__iexact=city, active=True))
    ranked = [(point, _distance_km(latitude, longitude, point.latitude, point.longitude)) for point in points]
    ranked.sort(key=lambda pair: (not pair[0].available, pair[1] if pair[1] is not None else 1e9, pair[0].name))
    return ranked[:limit]
