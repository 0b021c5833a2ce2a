"""Supervisor dashboard and CSV export of every table on it."""
from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from helpdesk.customers.models import Language
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
    return render(request, "reports/dashboard.html", {
        "nav": "reports", "period": period, "r": reports, "charts": charts, "query": request.GET.urlencode(),
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


@supervisor_required
def export_csv(request, table: str):
    period = selectors.Period.from_query(request.GET)
    header, rows = _table(table, _reports(period))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}_{period.start}_{period.end}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read Chinese and Russian text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])  # no formula injection
    return response
