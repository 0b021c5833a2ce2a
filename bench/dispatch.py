"""bench-dispatch: courier scan events through the real HTTP endpoint as fast as they go, and the feed's lag.

    bench/dispatch.py [--events N] [--senders K]      (make bench-dispatch)

Runs the shipped pieces against a dedicated database, `parceldesk_bench_dispatch` (dropped and recreated
each run): the helpdesk's web server as the Procfile starts it (`python -m helpdesk.config.web`, uvicorn ×
BENCH_WEB_PROCESSES, production settings) and the Celery workers of the Procfile (queues parceldesk + dispatch on
one at nice 10, the proactive notices on another at nice 15), in subprocesses, with
the dispatch stand-in as the push consumer (DISPATCH_WEBHOOK_URL) and the Twilio stand-in as the customers'
phones. The stand-in dispatch signs and sends the scans: each shipment gets four (in transit with an ETA,
10 % of them later than promised; at the station; out for delivery with the ETA window, and for 90 % the
courier app's handover code (the helpdesk issues the others and tells dispatch); then a failed attempt for
30 % or a delivery with proof for 70 %), sent phase by phase in batches of 1,000 from K parallel senders.

Measured: events/min from the first request to the last answer; the feed lag of every outbox event (failed
attempts, handover codes) from the moment the helpdesk accepted the scan (the event's created_at, written in
the scan's transaction) to its arrival at the stand-in dispatch by push, p50/p95/max, and to its first
appearance in the pull feed (GET /api/v1/dispatch/feed/ polled every 250 ms); and none lost: every scan
stored, every outbox event received by dispatch exactly once. The baseline, measured in the same run on
other shipments, sends the same kind of events one per request. The last line is the result.

Environment: BENCH_DISPATCH_EVENTS (default 20,000), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/14; flushed at the start), BENCH_WORKER_POOL and BENCH_WORKER_CONCURRENCY
(default threads ×16, as in the Procfile), BENCH_NOTICES_CONCURRENCY (default 2), BENCH_WEB_PROCESSES (default 2, as the Procfile).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (PROCFILE_WORKER_CONCURRENCY, PROCFILE_WORKER_POOL, Processes, free_port, log,  # noqa: E402
                           percentile, wait_until)

DB = "parceldesk_bench_dispatch"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-dispatch-secret"
TOKEN = "bench-dispatch-token"
SMS_FROM = "+15017122661"
TARGET_PER_MIN = 10_000
TARGET_LAG_S = 5.0
BATCH = 1000
EVENTS_PER_SHIPMENT = 4
REASONS = ["recipient_absent", "recipient_absent", "no_access", "address_wrong", "locker_full", "refused"]


# --- The database and the processes ----------------------------------------------------------------------------


def helpdesk_env(dispatch_url: str, twilio) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.production", "DJANGO_SECRET_KEY": "bench-dispatch",
        "HELPDESK_API_TOKEN": TOKEN, "DJANGO_SECURE_COOKIES": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG_URL}/{DB}", "REDIS_URL": REDIS_URL, "LOG_LEVEL": "WARNING",
        "DISPATCH_SECRET": SECRET, "DISPATCH_WEBHOOK_URL": dispatch_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_API_BASE": twilio.url,
        "TWILIO_SMS_FROM": SMS_FROM, "TWILIO_WHATSAPP_FROM": "",
        "RASA_URL": "http://127.0.0.1:9",  # not needed: notices and the feed never ask the bot
        "PYTHONUNBUFFERED": "1",
    }


def recreate_database() -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    redis.Redis.from_url(REDIS_URL).flushdb()


def seed(shipments: int) -> list[str]:
    """Stations, couriers and `shipments` parcels in transit, each with its own phone on file (no chat yet)."""
    from django.utils import timezone

    from helpdesk.network.models import Courier, Station
    from helpdesk.shipments.models import Shipment

    stations = Station.objects.bulk_create([
        Station(code=f"BST{i}", name=f"Bench station {i}", city="Shanghai", address=f"{i} Century Avenue",
                latitude=31.23, longitude=121.47) for i in range(4)])
    Courier.objects.bulk_create([Courier(code=f"BC{i:03d}", name=f"Courier {i}", station=stations[i % 4])
                                 for i in range(40)])
    eta = timezone.localdate() + dt.timedelta(days=1)
    rng = random.Random(7)
    numbers = [f"BD{1_000_000_000 + i}" for i in range(shipments)]
    Shipment.objects.bulk_create([
        Shipment(tracking_number=number, sender_name="Bench store", recipient_name="Bench Recipient",
                 recipient_phone=f"+86139{i:08d}", address=f"Flat {i % 30 + 1}, {i % 500} Lujiazui Ring Road",
                 city="Shanghai", station=stations[i % 4], status="in_transit", eta=eta,
                 latitude=31.23 + rng.uniform(-0.03, 0.03), longitude=121.47 + rng.uniform(-0.03, 0.03))
        for i, number in enumerate(numbers)], batch_size=2000)
    return numbers


def scan_phases(numbers: list[str], prefix: str, start: dt.datetime) -> list[list[dict]]:
    """Four phases; phase k holds every shipment's k-th scan, so a batch never holds two scans of one parcel."""
    rng = random.Random(prefix)
    promised = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    late = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    phases: list[list[dict]] = [[] for _ in range(EVENTS_PER_SHIPMENT)]
    for i, number in enumerate(numbers):
        courier = f"BC{i % 40:03d}"
        t = [(start + dt.timedelta(minutes=10 * k, seconds=i % 600)).isoformat() for k in range(4)]
        phases[0].append({"id": f"{prefix}-{number}-1", "tracking_number": number, "type": "in_transit",
                          "occurred_at": t[0], "location": "Shanghai hub",
                          "eta": late if rng.random() < 0.1 else promised})
        phases[1].append({"id": f"{prefix}-{number}-2", "tracking_number": number, "type": "at_station",
                          "occurred_at": t[1], "location": "Shanghai station"})
        out = {"id": f"{prefix}-{number}-3", "tracking_number": number, "type": "out_for_delivery",
               "occurred_at": t[2], "courier": courier, "window": {"start": "14:00", "end": "16:00"}}
        if rng.random() < 0.9:  # the courier app's code; for the rest the helpdesk issues one and tells dispatch
            out["handover_code"] = f"{rng.randrange(10**6):06d}"
        phases[2].append(out)
        gps = {"lat": round(31.23 + rng.uniform(-0.03, 0.03), 6), "lng": round(121.47 + rng.uniform(-0.03, 0.03), 6)}
        if rng.random() < 0.3:
            phases[3].append({"id": f"{prefix}-{number}-4", "tracking_number": number, "type": "delivery_attempted",
                              "occurred_at": t[3], "courier": courier, "reason": rng.choice(REASONS), "gps": gps})
        else:
            phases[3].append({"id": f"{prefix}-{number}-4", "tracking_number": number, "type": "delivered",
                              "occurred_at": t[3], "courier": courier, "gps": gps,
                              "proof": {"photo_url": f"https://pod.example/{number}.jpg", "otp_confirmed": True}})
    return phases


# --- Load and observation ----------------------------------------------------------------------------------------


class FeedPoller(threading.Thread):
    """A pull consumer: polls the feed with a cursor and notes when each event first became visible."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.seen: dict[int, tuple[float, str]] = {}
        self.stopped = threading.Event()
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Token {TOKEN}"
        self.cursor = 0

    def poll(self) -> int:
        page = self.session.get(self.url, params={"cursor": self.cursor, "limit": 1000}, timeout=30).json()
        now = time.time()
        for event in page["events"]:
            self.seen.setdefault(event["id"], (now, event["created_at"]))
        self.cursor = page["next_cursor"]
        return len(page["events"])

    def run(self):
        while not self.stopped.is_set():
            try:
                if self.poll() == 1000:
                    continue  # more waiting: read on at once
            except requests.RequestException:
                pass
            self.stopped.wait(0.25)


def send(dispatch, url: str, phases: list[list[dict]], *, batch: int, senders: int,
         answered: dict | None = None) -> tuple[float, dict]:
    """Send phase after phase, each in batches from `senders` threads; returns (seconds, outcome counts).
    `answered` gets, per scan id, when the helpdesk's 200 for its batch arrived."""
    totals = {"applied": 0, "duplicate": 0, "stale": 0, "invalid": 0}
    local = threading.local()

    def post(events: list[dict]) -> dict:
        if getattr(local, "session", None) is None:
            local.session = requests.Session()
            local.session.trust_env = False
        response = dispatch.send_scans(url, events, session=local.session)
        response.raise_for_status()
        if answered is not None:
            now = time.time()
            answered.update((event["id"], now) for event in events)
        return response.json()

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=senders) as pool:
        for phase in phases:
            batches = [phase[i:i + batch] for i in range(0, len(phase), batch)]
            for result in pool.map(post, batches):
                for key in totals:
                    totals[key] += result[key]
    return time.perf_counter() - started, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_DISPATCH_EVENTS", 20_000)))
    parser.add_argument("--senders", type=int, default=2, help="parallel HTTP senders (default 2)")
    args = parser.parse_args()
    shipments = max(1, args.events // EVENTS_PER_SHIPMENT)
    events = shipments * EVENTS_PER_SHIPMENT
    baseline_shipments = max(25, min(125, shipments // 40))  # 500 single-event requests for the default run
    pool = os.environ.get("BENCH_WORKER_POOL", PROCFILE_WORKER_POOL)  # the Procfile's chats + dispatch worker
    concurrency = os.environ.get("BENCH_WORKER_CONCURRENCY", PROCFILE_WORKER_CONCURRENCY)
    notices_concurrency = os.environ.get("BENCH_NOTICES_CONCURRENCY", "2")
    web_processes = os.environ.get("BENCH_WEB_PROCESSES", "2")

    from integrations.standins.dispatch import DispatchStandin
    from integrations.standins.twilio import TwilioStandin

    log(f"bench-dispatch: recreating {DB} ...")
    recreate_database()
    dispatch = DispatchStandin(secret=SECRET).start()
    twilio = TwilioStandin().start()
    env = helpdesk_env(dispatch.url + "/outbox", twilio)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    if migrate.returncode != 0:
        raise SystemExit(f"bench-dispatch: migrate failed:\n{migrate.stderr[-3000:]}")
    os.environ.update(env)
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.db import connection

    from helpdesk.dispatch.models import OutboxEvent
    from helpdesk.shipments.models import DeliveryNotice, TrackingEvent

    log(f"bench-dispatch: seeding {shipments + baseline_shipments:,} shipments ...")
    numbers = seed(shipments + baseline_shipments)
    connection.close()

    processes = Processes("bench-dispatch")
    port = free_port()
    try:
        processes.start("web", [sys.executable, "-m", "helpdesk.config.web", "--port", str(port),
                                "--processes", web_processes], env)
        # The Procfile's layout: the web server first; chats + the dispatch push on one worker at nice 10, proactive
        # notices on another at nice 15 (tests/deploy/test_priority.py keeps the Procfile so).
        worker_log = processes.start("worker", [
            "nice", "-n", "10", sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "-Q", "parceldesk,dispatch",
            "--loglevel", "WARNING", "--pool", pool, "--concurrency", concurrency, "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--hostname", f"bench-dispatch-{os.getpid()}@%h"], env)
        notices_log = processes.start("notices", [
            "nice", "-n", "15", sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "-Q", "notices",
            "--loglevel", "WARNING", "--concurrency", notices_concurrency, "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--hostname", f"bench-dispatch-notices-{os.getpid()}@%h"], env)
        base = f"http://127.0.0.1:{port}"
        if not wait_until(lambda: _answers(base + "/healthz"), 60, processes):
            raise SystemExit(f"bench-dispatch: the helpdesk did not come up; see {processes.logs}")
        for log_path in (worker_log, notices_log):
            if not wait_until(lambda: "[queues]" in log_path.read_text(), 60, processes):
                raise SystemExit(f"bench-dispatch: a worker did not start; see {processes.logs}")
        time.sleep(3)  # the banner comes a moment before the worker consumes
        url = base + "/api/v1/dispatch/events/"
        poller = FeedPoller(base + "/api/v1/dispatch/feed/")
        poller.start()
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)

        log(f"bench-dispatch: baseline, {baseline_shipments * EVENTS_PER_SHIPMENT:,} events one per request ...")
        baseline_phases = scan_phases(numbers[shipments:], "base", start)
        base_seconds, base_totals = send(dispatch, url, baseline_phases, batch=1, senders=args.senders)
        base_events = sum(len(p) for p in baseline_phases)
        base_rate = base_events / base_seconds * 60
        wait_until(lambda: OutboxEvent.objects.count() == len(dispatch.received), 120, processes)
        wait_until(lambda: not DeliveryNotice.objects.filter(status="pending").exists(), 300, processes)
        time.sleep(2)  # the last notices' SMS go out: the measured run starts on an idle worker
        connection.close()
        baseline_ids = set(OutboxEvent.objects.values_list("id", flat=True))
        connection.close()

        log(f"bench-dispatch: {events:,} events in batches of {BATCH:,} from {args.senders} senders ...")
        phases = scan_phases(numbers[:shipments], "run", start)
        answered: dict[str, float] = {}
        seconds, totals = send(dispatch, url, phases, batch=BATCH, senders=args.senders, answered=answered)
        rate = events / seconds * 60
        log(f"bench-dispatch: sent in {seconds:.1f} s; waiting for the outbox to drain ...")

        def drained() -> bool:
            try:
                return not OutboxEvent.objects.filter(pushed_at__isnull=True).exists() and \
                    OutboxEvent.objects.count() == len(dispatch.received)
            finally:
                connection.close()

        drained_in_time = wait_until(drained, 300, processes)
        last_id = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        wait_until(lambda: poller.cursor >= last_id, 60, processes)
        poller.stopped.set()
        wait_until(lambda: not DeliveryNotice.objects.filter(status="pending").exists(), 300, processes)

        # --- Results --------------------------------------------------------------------------------------------------
        stored = TrackingEvent.objects.filter(external_id__startswith="run-").count()
        outbox = {e.id: e.created_at for e in OutboxEvent.objects.exclude(id__in=baseline_ids)}
        received = {e.id: e for e in dispatch.received if e.id in outbox}
        push_lags = [received[i].received_at - outbox[i].timestamp() for i in received]
        pull_lags = [poller.seen[i][0] - outbox[i].timestamp() for i in outbox if i in poller.seen]
        # The same lag seen from dispatch: from the 200 for the batch that carried the scan to the push.
        scan_of = _scans_of(OutboxEvent.objects.exclude(id__in=baseline_ids).only("id", "payload"))
        after_answer = [received[i].received_at - answered[scan_of[i]] for i in received if scan_of.get(i) in answered]
        lost_scans = events - stored
        lost_outbox = len(outbox) - len(received)
        lost = lost_scans + lost_outbox
        notices = dict(DeliveryNotice.objects.filter(shipment__tracking_number__in=numbers[:shipments])
                       .values_list("status").annotate(n=_count()).values_list("status", "n"))
        kinds = dict(OutboxEvent.objects.exclude(id__in=baseline_ids).values_list("kind").annotate(n=_count())
                     .values_list("kind", "n"))
        connection.close()
        sms = len(twilio.sent_messages)
    finally:
        processes.stop()
        dispatch.stop()
        twilio.stop()

    p95_push = percentile(push_lags, 95)
    print(f"bench-dispatch: {events:,} courier scan events ({shipments:,} shipments × {EVENTS_PER_SHIPMENT}) through "
          f"POST /api/v1/dispatch/events/ on uvicorn ×{web_processes} (production settings), Celery workers as in the "
          f"Procfile (chats + dispatch push, {pool} pool ×{concurrency}, at nice 10, notices ×{notices_concurrency} at nice 15), "
          f"PostgreSQL {DB}, stand-in dispatch (push consumer) and Twilio (SMS)")
    print(f"baseline, 1 event per request: {base_events:,} events in {base_seconds:.1f} s = "
          f"{base_rate:,.0f} events/min "
          f"({base_totals['applied']:,} applied)")
    print(f"batches of {BATCH:,}, {args.senders} senders: {events:,} events in {seconds:.1f} s = "
          f"{rate:,.0f} events/min, "
          f"{rate / base_rate:.1f}× the baseline (applied {totals['applied']:,}, duplicate {totals['duplicate']}, "
          f"stale {totals['stale']}, invalid {totals['invalid']})")
    kinds_text = ", ".join(f"{kind.split('.')[-1]} {n:,}" for kind, n in sorted(kinds.items()))
    print(f"outbox: {len(outbox):,} events ({kinds_text}); "
          f"pushed to dispatch {len(received):,}, duplicates dropped by dispatch {dispatch.duplicates}, "
          f"out of order {len(dispatch.out_of_order)}{'' if drained_in_time else ' (NOT drained within 300 s)'}")
    print(f"feed lag, accepted → pushed to dispatch: p50 {percentile(push_lags, 50):.2f} s, p95 {p95_push:.2f} s, "
          f"max {max(push_lags, default=float('nan')):.2f} s; accepted → visible in the pull feed: "
          f"p50 {percentile(pull_lags, 50):.2f} s, p95 {percentile(pull_lags, 95):.2f} s; "
          f"dispatch's 200 for the batch → pushed: p50 {percentile(after_answer, 50):.2f} s, "
          f"p95 {percentile(after_answer, 95):.2f} s")
    notices_text = ", ".join(f"{k} {v:,}" for k, v in sorted(notices.items()))
    print(f"notices: {notices_text}; SMS accepted by the Twilio stand-in "
          f"{sms:,} (baseline included)")
    print(f"lost: {lost_scans} scans not stored, {lost_outbox} outbox events not received by dispatch")
    ok = rate >= TARGET_PER_MIN and p95_push <= TARGET_LAG_S and lost == 0
    print(f"dispatch ingest: {rate:,.0f} events/min (target ≥{TARGET_PER_MIN:,}; {rate / base_rate:.1f}× the same-run "
          f"baseline of {base_rate:,.0f} at one event per request), feed lag p95 {p95_push:.1f} s "
          f"(target ≤{TARGET_LAG_S:.0f} s), lost {lost}{'' if ok else ' — TARGET MISSED'}")
    sys.exit(0 if ok else 1)


def _scans_of(events) -> dict[int, str]:
    """Outbox event id → the id of the scan that caused it (handover codes name it, failures name their attempt)."""
    from helpdesk.shipments.models import DeliveryAttempt

    events = list(events)
    attempts = dict(DeliveryAttempt.objects.filter(pk__in={e.payload.get("attempt") for e in events} - {None})
                    .values_list("pk", "external_id"))
    return {e.id: e.payload.get("scan") or attempts.get(e.payload.get("attempt")) for e in events}


def _count():
    from django.db.models import Count

    return Count("id")


def _answers(url: str) -> bool:
    session = requests.Session()
    session.trust_env = False
    try:
        return session.get(url, timeout=2).status_code in (200, 503)
    except requests.RequestException:
        return False


if __name__ == "__main__":
    main()
