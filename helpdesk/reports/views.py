"""Supervisor dashboard and CSV export of every table on it."""
from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.customers.models import Language
from helpdesk.privacy.masking import customer_masked, gps_masked
from helpdesk.inbox.access import supervisor_required
from helpdesk.network.models import Courier, Station

from . import selectors

CHANNELS = ["webchat", "sms", "whatsapp", "wechat", "phone"]


def _reports(period: selectors.Period) -> dict:
    return {
        "nps": selectors.nps_report(period),
        "complaints": selectors.complaints_report(period),
        "sla": selectors.sla_report(period),
        "containment": selectors.containment_report(period),
        "failed": selectors.failed_deliveries_report(period),
    }


@supervisor_required
def dashboard(request):
    period = selectors.Period.from_query(request.GET)
    reports = _reports(period)
    charts = {
        "nps_trend": {"labels": [r["day"].isoformat() for r in reports["nps"]["trend"]], "values": [r["nps"] for r in reports["nps"]["trend"]]},
        "nps_split": [reports["nps"]["promoters"], reports["nps"]["passives"], reports["nps"]["detractors"]],
        "complaints": {"labels": [r["label"] for r in reports["complaints"]["by_category"]],
                       "values": [r["total"] for r in reports["complaints"]["by_category"]]},
        "complaints_trend": {"labels": [r["day"].isoformat() for r in reports["complaints"]["trend"]],
                             "values": [r["total"] for r in reports["complaints"]["trend"]]},
        "failed": {"labels": [r["label"] for r in reports["failed"]["by_reason"]], "values": [r["total"] for r in reports["failed"]["by_reason"]]},
        "handoffs": {"labels": [r["label"] for r in reports["containment"]["handoff_reasons"]],
                     "values": [r["total"] for r in reports["containment"]["handoff_reasons"]]},
    }
    # A click on a bar or point opens the rows behind it (same period and filters).
    query = request.GET.urlencode()
    def links(kind, param, values):
        return [f"/reports/drill/{kind}/?{query}&{urlencode({param: v})}" for v in values]
    charts["complaints"]["links"] = links("complaints", "category", [r["category"] for r in reports["complaints"]["by_category"]])
    charts["complaints_trend"]["links"] = links("complaints", "day", charts["complaints_trend"]["labels"])
    charts["failed"]["links"] = links("attempts", "reason", [r["reason"] for r in reports["failed"]["by_reason"]])
    charts["handoffs"]["links"] = links("handoffs", "reason", [r["reason"] for r in reports["containment"]["handoff_reasons"]])
    return render(request, "reports/dashboard.html", {
        "nav": "reports", "period": period, "r": reports, "charts": charts, "query": query,
        "channels": CHANNELS, "languages": Language.choices,
        "stations": Station.objects.order_by("code").values_list("code", "name"),
        "couriers": Courier.objects.order_by("code").values_list("code", "name"),
    })


def _table(name: str, reports: dict) -> tuple[list[str], list[list]]:
    if name == "nps":
        return ["score", "comment", "channel", "language", "tracking_number", "created_at"], [
            [c["score"], c["comment"], c["channel"], c["language"], c["shipment__tracking_number"], c["created_at"].isoformat()]
            for c in reports["nps"]["comments"]]
    if name == "nps-trend":
        return ["day", "responses", "nps"], [[r["day"], r["total"], r["nps"]] for r in reports["nps"]["trend"]]
    if name == "complaints":
        return ["category", "complaints"], [[r["category"], r["total"]] for r in reports["complaints"]["by_category"]]
    if name == "complaints-trend":
        return ["day", "complaints"], [[r["day"], r["total"]] for r in reports["complaints"]["trend"]]
    if name == "complaints-by-station":
        return ["station", "complaints"], [[r["station"], r["total"]] for r in reports["complaints"]["by_station"]]
    if name == "sla":
        return ["priority", "tickets", "first_response_met", "resolution_met"], [
            [r["priority"], r["total"], r["first_met"], r["resolution_met"]] for r in reports["sla"]["by_priority"]]
    if name == "handoffs":
        return ["reason", "conversations"], [[r["reason"], r["total"]] for r in reports["containment"]["handoff_reasons"]]
    if name == "failed-deliveries":
        return ["reason", "attempts"], [[r["reason"], r["total"]] for r in reports["failed"]["by_reason"]]
    if name == "couriers":
        return ["courier", "name", "failed_attempts", "disputed_attempts"], [
            [r["courier_code"], r["courier_name"], r["failed"], r["disputed"]] for r in reports["failed"]["by_courier"]]
    raise Http404("No such table.")


def _csv(name: str, period: selectors.Period, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}_{period.start}_{period.end}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read Chinese and Russian text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])  # no formula injection
    return response


@supervisor_required
def export_csv(request, table: str):
    period = selectors.Period.from_query(request.GET)
    header, rows = _table(table, _reports(period))
    return _csv(table, period, header, rows)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _ticket_rows(tickets):
    header = [("ticket", _("Ticket")), ("created_at", _("Created")), ("category", _("Category")),
              ("priority", _("Priority")), ("status", _("Status")), ("tracking_numbers", _("Shipments"))]
    rows = [[(t.number, f"/inbox/tickets/{t.number}/"), (_when(t.created_at), None), (t.get_category_display(), None),
             (t.get_priority_display(), None), (t.get_status_display(), None),
             (" ".join(s.tracking_number for s in t.shipments.all()), None)] for t in tickets]
    csv_rows = [[t.number, _when(t.created_at), t.category, t.priority, t.status,
                 " ".join(s.tracking_number for s in t.shipments.all())] for t in tickets]
    return header, rows, csv_rows


def _conversation_rows(conversations):
    header = [("conversation", "#"), ("created_at", _("Started")), ("customer", _("Customer")), ("channel", _("Channel")),
              ("language", _("Language")), ("handoff_reason", _("Handoff reason")), ("state", _("State"))]
    rows = [[(str(c.id), f"/inbox/c/{c.id}/"), (_when(c.created_at), None), (customer_masked(c.customer), None),
             (c.channel, None), (c.language, None), (c.get_handoff_reason_display() if c.handoff_reason else "", None),
             (c.get_state_display(), None)] for c in conversations]
    csv_rows = [[c.id, _when(c.created_at), customer_masked(c.customer), c.channel, c.language, c.handoff_reason, c.state]
                for c in conversations]
    return header, rows, csv_rows


def _attempt_rows(attempts):
    header = [("attempted_at", _("When")), ("tracking_number", _("Tracking")), ("station", _("Station")),
              ("courier", _("Courier")), ("reason", _("Reason")), ("disputed", _("Disputed")), ("gps", "GPS")]
    def gps(a):  # where the recipient lives: only whether a fix was recorded
        return gps_masked(a.latitude, a.longitude)
    rows = [[(_when(a.attempted_at), None), (a.shipment.tracking_number, None),
             (a.shipment.station.code if a.shipment.station_id else "", None),
             (f"{a.courier.code} {a.courier.name}" if a.courier_id else "", None),
             (a.get_reason_display(), None), (a.dispute_verdict or _("disputed") if a.disputed else "", None), (gps(a), None)]
            for a in attempts]
    csv_rows = [[_when(a.attempted_at), a.shipment.tracking_number, a.shipment.station.code if a.shipment.station_id else "",
                 a.courier.code if a.courier_id else "", a.reason, a.disputed, gps(a)] for a in attempts]
    return header, rows, csv_rows


DRILLS = {
    "complaints": (lambda p, q: selectors.complaint_tickets(p, category=q.get("category", ""), station=q.get("at_station", ""),
                                                              day=q.get("day", "")), _ticket_rows),
    "sla": (lambda p, q: selectors.sla_tickets(p, priority=q.get("priority", ""), missed=q.get("missed", "")), _ticket_rows),
    "handoffs": (lambda p, q: selectors.handoff_conversations(p, reason=q.get("reason", "")), _conversation_rows),
    "closed": (lambda p, q: selectors.closed_conversations(p, by_bot=q.get("by_bot", "")), _conversation_rows),
    "attempts": (lambda p, q: selectors.failed_attempts(p, reason=q.get("reason", ""), courier=q.get("of_courier", ""),
                                                        disputed=q.get("disputed", "")), _attempt_rows),
}


@supervisor_required
def drill_down(request, kind: str):
    """The conversations, tickets or delivery attempts behind one number of the dashboard, as a table or CSV."""
    if kind not in DRILLS:
        raise Http404("No such report.")
    period = selectors.Period.from_query(request.GET)
    query_for, rows_for = DRILLS[kind]
    if request.GET.get("day", "") and not selectors.is_iso_date(request.GET["day"]):
        raise Http404("No such day.")
    qs = query_for(period, request.GET)
    total = qs.count()
    header, rows, csv_rows = rows_for(list(qs[: selectors.DRILL_LIMIT]))
    if request.GET.get("format") == "csv":
        return _csv(kind, period, [code for code, _label in header], csv_rows)
    back = request.GET.copy()
    for key in ("category", "at_station", "day", "priority", "missed", "reason", "by_bot", "of_courier", "disputed", "format"):
        back.pop(key, None)
    csv_query = request.GET.copy()
    csv_query["format"] = "csv"
    return render(request, "reports/drill.html", {
        "nav": "reports", "kind": kind, "period": period, "total": total, "limit": selectors.DRILL_LIMIT,
        "header": [label for _code, label in header], "rows": rows, "back": back.urlencode(),
        "csv_query": csv_query.urlencode(),
    })
