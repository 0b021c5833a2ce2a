"""Business-hours arithmetic for SLA due times and the 'are we open' answer."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import BusinessHours

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _hours() -> dict[int, tuple[dt.time, dt.time]]:
    return {row.weekday: (row.opens, row.closes) for row in BusinessHours.objects.all()}


def business_hours_open_at(when: dt.datetime, hours: dict | None = None) -> bool:
    hours = _hours() if hours is None else hours
    if not hours:
        return True  # no calendar configured: the contact centre is always open
    local = when.astimezone(ZoneInfo(settings.TIME_ZONE))
    day = hours.get(local.weekday())
    return bool(day and day[0] <= local.time() < day[1])


def business_hours_summary() -> str:
    """`Mon–Sat 08:00–20:00` style text for customers, grouping equal consecutive days."""
    hours = _hours()
    if not hours:
        return "24/7"
    groups: list[list] = []
    for weekday in range(7):
        span = hours.get(weekday)
        if span and groups and groups[-1][2] == span and groups[-1][1] == weekday - 1:
            groups[-1][1] = weekday
        elif span:
            groups.append([weekday, weekday, span])
    parts = []
    for first, last, (opens, closes) in groups:
        days = WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]}–{WEEKDAYS[last]}"
        parts.append(f"{days} {opens:%H:%M}–{closes:%H:%M}")
    return ", ".join(parts) + f" ({settings.TIME_ZONE})"


def business_due(start: dt.datetime, minutes: int, hours: dict | None = None) -> dt.datetime:
    """The moment `minutes` of business time have passed since `start`."""
    hours = _hours() if hours is None else hours
    if not hours:
        return start + dt.timedelta(minutes=minutes)
    zone = ZoneInfo(settings.TIME_ZONE)
    cursor = start.astimezone(zone)
    remaining = dt.timedelta(minutes=minutes)
    for _ in range(366 * 2):  # bounded: at most two years of calendar
        span = hours.get(cursor.weekday())
        if span:
            opens = cursor.replace(hour=span[0].hour, minute=span[0].minute, second=0, microsecond=0)
            closes = cursor.replace(hour=span[1].hour, minute=span[1].minute, second=0, microsecond=0)
            if cursor < opens:
                cursor = opens
            if cursor < closes:
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        next_day = (cursor + dt.timedelta(days=1)).date()
        cursor = dt.datetime.combine(next_day, dt.time(0, 0), tzinfo=zone)
    raise ValueError("business hours never open: check the BusinessHours table")
