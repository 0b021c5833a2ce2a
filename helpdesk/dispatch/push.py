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

import concurrent.futures
import datetime as dt
import json
import logging
import os
import threading

import requests
from django.conf import settings
from django.db import connection
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
_TABLE = OutboxEvent._meta.db_table
_executor: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


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


def _claim_heads(shipment_ids: list[int], now: dt.datetime) -> list[OutboxEvent]:
    """Take the lease on each shipment's oldest unacknowledged event, if no other worker holds it and it is not
    backing off: one conditional UPDATE for all of them (two workers never both claim one event: the second's
    UPDATE waits for the first's row lock and then finds the lease taken)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_TABLE} SET push_claimed_until = %(until)s
            WHERE id IN (
                SELECT DISTINCT ON (shipment_id) id FROM {_TABLE}
                WHERE shipment_id = ANY(%(shipments)s) AND pushed_at IS NULL
                ORDER BY shipment_id, id
            )
            AND pushed_at IS NULL
            AND (push_claimed_until IS NULL OR push_claimed_until < %(now)s)
            AND (push_next_at IS NULL OR push_next_at <= %(now)s)
            RETURNING id
            """,
            {"until": now + LEASE, "now": now, "shipments": list(shipment_ids)},
        )
        claimed = [row[0] for row in cursor.fetchall()]
    return list(OutboxEvent.objects.filter(pk__in=claimed).order_by("id")) if claimed else []


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    """The process's threads for POSTs to dispatch (a forked worker child makes its own)."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            workers = int(settings.DISPATCH.get("push_concurrency", 8))
            _executor = (os.getpid(), concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers),
                                                                              thread_name_prefix="dispatch-push"))
        return _executor[1]


def _record(outcomes: list[tuple[OutboxEvent, str, str]], done: dt.datetime) -> None:
    """Write what dispatch answered: acknowledged ones in one UPDATE; refusals and retries one by one (rare)."""
    acknowledged = [event.pk for event, outcome, _ in outcomes if outcome == "acknowledged"]
    if acknowledged:
        OutboxEvent.objects.filter(pk__in=acknowledged).update(
            pushed_at=done, push_attempts=F("push_attempts") + 1, push_next_at=None, push_claimed_until=None,
            push_last_error="",
        )
    for event, outcome, error in outcomes:
        if outcome == "refused":
            logger.warning("dispatch refused outbox event %s for good: %s", event.pk, error)
            OutboxEvent.objects.filter(pk=event.pk).update(
                pushed_at=done, push_attempts=F("push_attempts") + 1, push_next_at=None, push_claimed_until=None,
                push_last_error=error,
            )
        elif outcome == "retry":
            attempts = event.push_attempts + 1
            OutboxEvent.objects.filter(pk=event.pk).update(
                push_attempts=F("push_attempts") + 1, push_next_at=done + push_backoff(attempts),
                push_claimed_until=None, push_last_error=error,
            )
            logger.info("dispatch push of outbox event %s failed (attempt %s): %s", event.pk, attempts, error)


def outbox_shipments_push(*, shipment_ids: list[int]) -> int:
    """Push these shipments' unacknowledged events, each shipment in order, until one fails or none is left.
    Returns how many dispatch acknowledged.

    In rounds: claim every shipment's oldest waiting event at once, POST them side by side (one per shipment, so
    a shipment's next event only goes after dispatch acknowledged the one before), record the answers, and go on
    with the shipments whose event went through. Only a shipment's oldest unacknowledged event can ever be
    claimed, by anyone, so the order per shipment holds across workers.
    """
    if not push_enabled():
        return 0
    acknowledged = 0
    waiting = list(dict.fromkeys(shipment_ids))
    while waiting:
        heads = _claim_heads(waiting, timezone.now())
        if not heads:
            break
        outcomes = [(event, *result) for event, result in zip(heads, _pool().map(_post, heads))]
        _record(outcomes, timezone.now())
        acknowledged += sum(outcome == "acknowledged" for _, outcome, _ in outcomes)
        # A failed shipment backs off; the others may have events recorded meanwhile or queued behind.
        waiting = [event.shipment_id for event, outcome, _ in outcomes if outcome != "retry"]
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
