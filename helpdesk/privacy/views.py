"""Supervisors' page part: the unmask audit as CSV, for the same period as the reports dashboard."""
from __future__ import annotations

import csv

from django.http import HttpResponse
from django.utils import timezone

from helpdesk.inbox.access import supervisor_required
from helpdesk.reports.selectors import Period

from .selectors import unmask_events

AUDIT_COLUMNS = ["when", "who", "role", "tracking_number", "fields", "reason", "via"]


def audit_rows(period: Period) -> list[list]:
    return [[timezone.localtime(e.created_at).isoformat(timespec="seconds"), e.viewer_username, e.viewer_role,
             e.tracking_number, " ".join(e.fields), e.reason, e.via]
            for e in unmask_events(since=period.since, until=period.until)]


@supervisor_required
def unmask_audit_csv(request):
    period = Period.from_query(request.GET)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="unmask-audit_{period.start}_{period.end}.csv"'
    writer = csv.writer(response)
    writer.writerow(AUDIT_COLUMNS)
    writer.writerows(audit_rows(period))
    return response
