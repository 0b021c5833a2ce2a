"""The push side of the dispatch feed: each outbox event POSTed, HMAC-signed, to DISPATCH_WEBHOOK_URL.

Order: per shipment, only the oldest unacknowledged event is ever sent, so an event never reaches dispatch
before an earlier event of the same shipment was acknowledged (2xx). Different shipments go in parallel.

Exactly once: a worker claims the event with a short lease (a conditional UPDATE, so two workers never send
the same event at the same time), sends it with the event id as idempotency key, and records `pushed_at`
when dispatch answers 2xx. If the worker dies between dispatch's answer and that record, the lease expires
and the event is sent again with the same key, which dispatch drops as a duplicate.

Failures (connection refused, timeouts, 5xx, 429, and also 401/403/404, which mean a wrong secret or URL
that an operator will fix) back off exponentially per event; the shipment's later events wait behind it.
400/409/413/415/422 mean dispatch understood and refused this very event: retrying the same bytes cannot
help, so it is recorded as refused (`push_last_error`) and the shipment's feed moves on.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import requests
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .models import OutboxEvent
from .verification import dispatch_signature

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)  # longer than any push timeout
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_ID_HEADER = "X-Dispatch-Event-Id"
SIGNATURE_HEADER = "X-Dispatch-Signature"
REFUSED_STATUSES = {400, 409, 413, 415, 422}  # everything else that is not 2xx is retried
_local = threading.local()


def push_enabled() -> bool:
    config = settings.DISPATCH
    return bool(config.get("webhook_url") and config.get("secret"))


def _session() -> requests.Session:
    # One keep-alive session per worker thread: dispatch is called thousands of times in a row.
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def outbox_event_body(event: OutboxEvent) -> bytes:
    """The JSON document pushed for one event (the same fields the pull feed shows)."""
    return json.dumps(
        {"id": event.id, "kind": event.kind, "tracking_number": event.tracking_number, "payload": event.payload,
         "created_at": event.created_at.isoformat()},
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


def push_backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s, ... capped (DISPATCH_PUSH_BACKOFF_SECONDS / _MAX_SECONDS)."""
    config = settings.DISPATCH
    base = float(config.get("push_backoff_seconds", 5.0))
    cap = float(config.get("push_backoff_max_seconds", 900.0))
    return dt.timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 20)))


def _post(event: OutboxEvent) -> tuple[str, str]:
    """Send one event. Returns ("acknowledged" | "refused" | "retry", error text)."""
    config = settings.DISPATCH
    body = outbox_event_body(event)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: dispatch_signature(body, config["secret"]),
        IDEMPOTENCY_HEADER: str(event.id),
        EVENT_ID_HEADER: str(event.id),
    }
    timeout = float(config.get("push_timeout", 10.0))
    try:
        response = _session().post(config["webhook_url"], data=body, headers=headers,
                                   timeout=(min(timeout, 3.0), timeout))
    except requests.RequestException as exc:
        return "retry", f"dispatch unreachable: {exc.__class__.__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return "acknowledged", ""
    error = f"dispatch answered {response.status_code}: {response.text[:200]}"
    if response.status_code in REFUSED_STATUSES:
        return "refused", error
    return "retry", error


def _claim(event: OutboxEvent, now: dt.datetime) -> bool:
    """Take the lease on an unacknowledged event that no other worker holds and that is not backing off."""
    if event.push_next_at is not None and event.push_next_at > now:
        return False
    return bool(
        OutboxEvent.objects.filter(pk=event.pk, pushed_at__isnull=True)
        .filter(Q(push_claimed_until__isnull=True) | Q(push_claimed_until__lt=now))
        .filter(Q(push_next_at__isnull=True) | Q(push_next_at__lte=now))
        .update(push_claimed_until=now + LEASE)
    )


def _push_in_order(events: list[OutboxEvent]) -> tuple[int, bool]:
    """Push one shipment's unacknowledged events, oldest first. Returns (acknowledged, stopped early).

    Only the shipment's oldest unacknowledged event can be claimed by anyone (a later one is only reached
    after the earlier one was recorded as acknowledged, by whoever held it), so order holds across workers.
    """
    acknowledged = 0
    for event in events:
        if not _claim(event, timezone.now()):
            return acknowledged, True
        outcome, error = _post(event)
        done = timezone.now()
        if outcome == "retry":
            attempts = event.push_attempts + 1
            OutboxEvent.objects.filter(pk=event.pk).update(
                push_attempts=F("push_attempts") + 1, push_next_at=done + push_backoff(attempts),
                push_claimed_until=None, push_last_error=error,
            )
            logger.info("dispatch push of outbox event %s failed (attempt %s): %s", event.pk, attempts, error)
            return acknowledged, True
        if outcome == "refused":
            logger.warning("dispatch refused outbox event %s for good: %s", event.pk, error)
        OutboxEvent.objects.filter(pk=event.pk).update(
            pushed_at=done, push_attempts=F("push_attempts") + 1, push_next_at=None, push_claimed_until=None,
            push_last_error=error,
        )
        acknowledged += outcome == "acknowledged"
    return acknowledged, False


def outbox_shipments_push(*, shipment_ids: list[int]) -> int:
    """Push these shipments' unacknowledged events, each shipment in order, until one fails or none is left.
    Returns how many dispatch acknowledged."""
    if not push_enabled():
        return 0
    acknowledged = 0
    waiting = list(dict.fromkeys(shipment_ids))
    while waiting:
        pending: dict[int, list[OutboxEvent]] = {}
        for event in OutboxEvent.objects.filter(shipment_id__in=waiting, pushed_at__isnull=True).order_by("id"):
            pending.setdefault(event.shipment_id, []).append(event)
        waiting = []
        for shipment_id, events in pending.items():
            done, stopped = _push_in_order(events)
            acknowledged += done
            if not stopped:
                waiting.append(shipment_id)  # events recorded meanwhile would otherwise wait for the sweeper
    return acknowledged


def outbox_shipments_due(*, limit: int = 1000) -> list[int]:
    """Shipments whose oldest unacknowledged event may be sent now (not backing off, not held by a worker)."""
    now = timezone.now()
    earlier = OutboxEvent.objects.filter(shipment_id=OuterRef("shipment_id"), pushed_at__isnull=True,
                                         id__lt=OuterRef("id"))
    return list(
        OutboxEvent.objects.filter(pushed_at__isnull=True)
        .exclude(Exists(earlier))
        .filter(Q(push_next_at__isnull=True) | Q(push_next_at__lte=now))
        .filter(Q(push_claimed_until__isnull=True) | Q(push_claimed_until__lt=now))
        .order_by("id").values_list("shipment_id", flat=True)[:limit]
    )
