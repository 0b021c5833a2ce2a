"""Report numbers, each computed by one aggregate query over the chosen period and filters."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from helpdesk.conversations.models import Conversation, ConversationState, HandoffReason
from helpdesk.shipments.models import DeliveryAttempt
from helpdesk.surveys.models import NpsResponse
from helpdesk.tickets.models import COMPLAINT_CATEGORIES, Category, Ticket


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    channel: str = ""
    language: str = ""
    station: str = ""
    courier: str = ""

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @classmethod
    def from_query(cls, query) -> "Period":
        today = timezone.localdate()
        def date(name, default):
            try:
                return dt.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return default
        start, end = date("from", today - dt.timedelta(days=29)), date("to", today)
        if end < start:
            start, end = end, start
        return cls(start=start, end=end, channel=query.get("channel", ""), language=query.get("language", ""),
                   station=query.get("station", ""), courier=query.get("courier", ""))


def _nps_qs(period: Period):
    qs = NpsResponse.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    if period.language:
        qs = qs.filter(language=period.language)
    if period.station:
        qs = qs.filter(shipment__station__code=period.station)
    if period.courier:
        qs = qs.filter(shipment__courier__code=period.courier)
    return qs


def nps_report(period: Period) -> dict:
    qs = _nps_qs(period)
    totals = qs.aggregate(total=Count("id"), promoters=Count("id", filter=Q(score__gte=9)),
                          passives=Count("id", filter=Q(score__in=[7, 8])), detractors=Count("id", filter=Q(score__lte=6)))
    total = totals["total"]
    score = round(100 * (totals["promoters"] - totals["detractors"]) / total) if total else None
    trend = [
        {"day": row["day"], "total": row["total"],
         "nps": round(100 * (row["promoters"] - row["detractors"]) / row["total"]) if row["total"] else None}
        for row in qs.annotate(day=TruncDate("created_at")).values("day").annotate(
            total=Count("id"), promoters=Count("id", filter=Q(score__gte=9)), detractors=Count("id", filter=Q(score__lte=6))
        ).order_by("day")
    ]
    comments = list(qs.exclude(comment="").select_related("shipment").order_by("-created_at")
                    .values("score", "comment", "channel", "language", "created_at", "shipment__tracking_number")[:50])
    return {**totals, "score": score, "trend": trend, "comments": comments}


def _tickets_qs(period: Period):
    qs = Ticket.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    if period.language:
        qs = qs.filter(conversation__language=period.language)
    if period.station:
        qs = qs.filter(shipments__station__code=period.station)
    if period.courier:
        qs = qs.filter(shipments__courier__code=period.courier)
    return qs.distinct() if (period.station or period.courier) else qs


def complaints_report(period: Period) -> dict:
    qs = _tickets_qs(period).filter(category__in=COMPLAINT_CATEGORIES)
    labels = dict(Category.choices)
    # "Complaint: late delivery" is shown as "late delivery" (in Chinese the colon is full-width).
    by_category = [{"category": r["category"], "label": re.split(r"[:：] ?", str(labels[r["category"]]), maxsplit=1)[-1],
                    "total": r["total"]}
                   for r in qs.values("category").annotate(total=Count("id", distinct=True)).order_by("-total", "category")]
    by_station = list(qs.filter(shipments__isnull=False).values(station=F("shipments__station__code"))
                      .annotate(total=Count("id", distinct=True)).order_by("-total", "station"))
    trend = list(qs.annotate(day=TruncDate("created_at")).values("day").annotate(total=Count("id", distinct=True)).order_by("day"))
    return {"total": qs.count(), "by_category": by_category, "by_station": by_station, "trend": trend}


def sla_report(period: Period) -> dict:
    """A target counts once it is decided: met if answered/resolved by its due time, missed if not by then."""
    now = timezone.now()
    qs = _tickets_qs(period)
    row = qs.aggregate(
        first_met=Count("id", filter=Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due"))),
        first_missed=Count("id", filter=Q(first_responded_at__gt=F("first_response_due"))
                           | Q(first_responded_at__isnull=True, first_response_due__lt=now)),
        resolution_met=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due"))),
        resolution_missed=Count("id", filter=Q(resolved_at__gt=F("resolution_due"))
                                | Q(resolved_at__isnull=True, resolution_due__lt=now)),
    )
    def rate(met, missed):
        return round(100 * met / (met + missed), 1) if met + missed else None
    by_priority = list(qs.values("priority").annotate(
        total=Count("id"),
        first_met=Count("id", filter=Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due"))),
        resolution_met=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due"))),
    ).order_by("priority"))
    return {**row, "first_rate": rate(row["first_met"], row["first_missed"]),
            "resolution_rate": rate(row["resolution_met"], row["resolution_missed"]), "by_priority": by_priority}


def _closed_conversations_qs(period: Period):
    qs = Conversation.objects.filter(state=ConversationState.CLOSED, closed_at__gte=period.since, closed_at__lt=period.until)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    if period.language:
        qs = qs.filter(language=period.language)
    return qs


def _started_conversations_qs(period: Period):
    qs = Conversation.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    if period.language:
        qs = qs.filter(language=period.language)
    return qs


def containment_report(period: Period) -> dict:
    qs = _closed_conversations_qs(period)
    row = qs.aggregate(total=Count("id"), by_bot=Count("id", filter=Q(resolved_by_bot=True)))
    started = _started_conversations_qs(period)
    labels = dict(HandoffReason.choices)
    reasons = [{"reason": r["handoff_reason"], "label": labels.get(r["handoff_reason"], r["handoff_reason"]), "total": r["total"]}
               for r in started.exclude(handoff_reason="").values("handoff_reason").annotate(total=Count("id")).order_by("-total")]
    return {**row, "rate": round(100 * row["by_bot"] / row["total"], 1) if row["total"] else None, "handoff_reasons": reasons}


def _failed_attempts_qs(period: Period):
    qs = DeliveryAttempt.objects.filter(outcome=DeliveryAttempt.Outcome.FAILED, attempted_at__gte=period.since,
                                        attempted_at__lt=period.until)
    if period.station:
        qs = qs.filter(shipment__station__code=period.station)
    if period.courier:
        qs = qs.filter(courier__code=period.courier)
    return qs


def failed_deliveries_report(period: Period) -> dict:
    qs = _failed_attempts_qs(period)
    labels = dict(DeliveryAttempt.Reason.choices)
    by_reason = [{"reason": r["reason"], "label": labels.get(r["reason"], r["reason"]), "total": r["total"]}
                 for r in qs.values("reason").annotate(total=Count("id")).order_by("-total", "reason")]
    by_courier = list(qs.values(courier_code=F("courier__code"), courier_name=F("courier__name")).annotate(
        failed=Count("id"), disputed=Count("id", filter=Q(disputed=True))).order_by("-disputed", "-failed", "courier_code"))
    return {"total": qs.count(), "disputed": qs.filter(disputed=True).count(), "by_reason": by_reason, "by_courier": by_courier}


# --- Drill-down: the rows behind a number, from the same querysets the numbers are counted on ----------------------

DRILL_LIMIT = 500


def is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def complaint_tickets(period: Period, *, category: str = "", station: str = "", day: str = ""):
    qs = _tickets_qs(period).filter(category__in=COMPLAINT_CATEGORIES)
    if category:
        qs = qs.filter(category=category)
    if station:
        qs = qs.filter(shipments__station__code=station).distinct()
    if day:
        qs = qs.annotate(day=TruncDate("created_at")).filter(day=day)
    return qs.select_related("conversation").prefetch_related("shipments").order_by("-created_at", "-id")


def sla_tickets(period: Period, *, priority: str = "", missed: str = ""):
    """Tickets of the SLA table; `missed` = "first" or "resolution" keeps those that missed that target."""
    now = timezone.now()
    qs = _tickets_qs(period)
    if priority:
        qs = qs.filter(priority=priority)
    if missed == "first":
        qs = qs.filter(Q(first_responded_at__gt=F("first_response_due"))
                       | Q(first_responded_at__isnull=True, first_response_due__lt=now))
    elif missed == "resolution":
        qs = qs.filter(Q(resolved_at__gt=F("resolution_due")) | Q(resolved_at__isnull=True, resolution_due__lt=now))
    return qs.prefetch_related("shipments").order_by("-created_at", "-id")


def handoff_conversations(period: Period, *, reason: str = ""):
    qs = _started_conversations_qs(period).exclude(handoff_reason="")
    if reason:
        qs = qs.filter(handoff_reason=reason)
    return qs.select_related("customer").order_by("-created_at", "-id")


def closed_conversations(period: Period, *, by_bot: str = ""):
    qs = _closed_conversations_qs(period)
    if by_bot in ("yes", "no"):
        qs = qs.filter(resolved_by_bot=by_bot == "yes")
    return qs.select_related("customer").order_by("-closed_at", "-id")


def failed_attempts(period: Period, *, reason: str = "", courier: str = "", disputed: str = ""):
    qs = _failed_attempts_qs(period)
    if reason:
        qs = qs.filter(reason=reason)
    if courier:
        qs = qs.filter(courier__code=courier)
    if disputed == "yes":
        qs = qs.filter(disputed=True)
    return qs.select_related("shipment__station", "courier").order_by("-attempted_at", "-id")
