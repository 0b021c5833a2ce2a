"""SLA due times follow business hours; the customer-facing summary groups equal days."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from helpdesk.tickets.models import BusinessHours
from helpdesk.tickets.services import ticket_create
from helpdesk.tickets.sla import business_due, business_hours_open_at, business_hours_summary

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def weekdays_9_to_18():
    for weekday in range(5):
        BusinessHours.objects.create(weekday=weekday, opens=dt.time(9), closes=dt.time(18))


def test_due_time_within_the_same_day(weekdays_9_to_18):
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # Monday
    assert business_due(start, 120) == dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)


def test_due_time_carries_over_the_night(weekdays_9_to_18):
    start = dt.datetime(2026, 11, 23, 17, 0, tzinfo=SH)
    assert business_due(start, 240) == dt.datetime(2026, 11, 24, 12, 0, tzinfo=SH)


def test_ticket_filed_on_saturday_is_due_on_monday(weekdays_9_to_18):
    start = dt.datetime(2026, 11, 28, 15, 0, tzinfo=SH)  # Saturday
    assert business_due(start, 60) == dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def test_open_at_and_summary(weekdays_9_to_18):
    assert business_hours_open_at(dt.datetime(2026, 11, 23, 9, 30, tzinfo=SH))
    assert not business_hours_open_at(dt.datetime(2026, 11, 23, 18, 0, tzinfo=SH))
    assert not business_hours_open_at(dt.datetime(2026, 11, 29, 12, 0, tzinfo=SH))
    assert business_hours_summary() == "Mon–Fri 09:00–18:00 (Asia/Shanghai)"


def test_ticket_gets_due_times_from_its_priority(weekdays_9_to_18):
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    urgent = ticket_create(subject="Lost", category="complaint_lost", now=now)
    late = ticket_create(subject="Late", category="complaint_late", now=now)
    assert urgent.priority == "urgent" and urgent.first_response_due == dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    assert late.priority == "normal" and late.first_response_due == dt.datetime(2026, 11, 23, 17, 0, tzinfo=SH)
    assert late.resolution_due == dt.datetime(2026, 11, 25, 15, 0, tzinfo=SH)  # 24 business hours: 9 + 9 + 6
    assert urgent.number == f"T-{urgent.pk:06d}"


def test_unknown_category_refused():
    from helpdesk.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as err:
        ticket_create(subject="x", category="weird")
    assert err.value.code == "category_invalid"
