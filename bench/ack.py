"""bench-ack: how fast the web server acknowledges signed SMS webhooks arriving at a steady rate, per server.

    bench/ack.py [--rate 100] [--seconds 20] [--servers uvicorn,daphne] [--rounds 2] [--processes 2]

Runs the web server as the Procfile starts it (`python -m helpdesk.config.web`, production settings, WEB_PROCESSES
processes on one socket) against a dedicated PostgreSQL database, `parceldesk_bench_ack` (dropped and migrated each
run), once per server named in `--servers` (`--server` of helpdesk.config.web) and round, alternating (uvicorn,
daphne, daphne, uvicorn, ...) so load from elsewhere on the machine falls on each alike. Only the webhook path runs:
no Celery worker takes the scheduled turns (they wait in Redis), so this measures what the web server and PostgreSQL
spend per webhook; bench/hub.py measures the same acknowledgements while the bot is busy.

Each phase: a warm-up (`--rate` webhooks, not counted), then inbound-SMS webhooks signed as Twilio signs them
(RequestValidator's HMAC-SHA1 over the URL and the form, computed before the phase) are due at `--rate` per second
for `--seconds`, open loop: each is sent when due whatever the answers do, and its latency counts from that moment,
so a server that falls behind cannot hide it. One sender in three is new (their first message opens a conversation),
the others write again. Every acknowledged webhook must be stored once. Printed per phase and per server: the web
server's CPU per webhook (all its processes), ack p50/p99/max, failures, and the load average (the machine may be
shared; it is part of every number). The last line compares the servers' p99 with the 50 ms target.

Environment: BENCH_ACK_RATE, BENCH_ACK_SECONDS, BENCH_ACK_SERVERS, BENCH_ACK_ROUNDS, BENCH_WEB_PROCESSES (default 2, as
the Procfile), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), BENCH_ACK_DB (default parceldesk_bench_ack),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/12; flushed at the start and the end).
"""
from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import Processes, cpu_seconds, free_port, log, percentile, wait_until  # noqa: E402
from bench.harness import open_loop as run_open_loop  # noqa: E402

from integrations.standins.twilio import TwilioStandin, new_sid  # noqa: E402
from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature  # noqa: E402

DB = os.environ.get("BENCH_ACK_DB", "parceldesk_bench_ack")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SMS_FROM = "+15017122661"
TARGET_ACK_P99_MS = 50.0
TWILIO_TIMEOUT = 15.0  # Twilio gives up on a webhook after 15 s; so does this bench
TEXTS = ["where is my parcel SF1234567890?", "hi", "我的快递YT0000000000001到哪了？", "спасибо", "when will it arrive"]


class Webhook:
    """One signed inbound-SMS webhook, ready to send: (form body, signature, MessageSid)."""

    __slots__ = ("body", "signature", "sid")

    def __init__(self, body: bytes, signature: str, sid: str):
        self.body, self.signature, self.sid = body, signature, sid


def signed_webhooks(url: str, twilio: TwilioStandin, count: int, *, prefix: str) -> list[Webhook]:
    """`count` webhooks from count/3 senders (each writes three times: a new sender, then a known one twice)."""
    senders = max(1, count // 3)
    webhooks = []
    for i in range(count):
        sid = new_sid("SM")
        params = twilio.inbound_params(from_=f"{prefix}{i % senders:06d}", to=SMS_FROM, body=TEXTS[i % len(TEXTS)],
                                       message_sid=sid)
        signature = compute_signature(auth_token=twilio.auth_token, url=url, params=params)
        webhooks.append(Webhook(urlencode(params).encode(), signature, sid))
    return webhooks


def open_loop(url: str, webhooks: list[Webhook], rate: float) -> tuple[list[float], list[str]]:
    """Each webhook POSTed when it is due (harness.open_loop); MessageSids answered 200 count as acknowledged. What is
    still unanswered TWILIO_TIMEOUT after the last was due counts as not acknowledged."""
    local = threading.local()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def sender(webhook: Webhook):
        def send() -> str | None:
            if getattr(local, "session", None) is None:
                local.session = requests.Session()
                local.session.trust_env = False
            try:
                response = local.session.post(url, data=webhook.body, timeout=TWILIO_TIMEOUT,
                                              headers={**headers, SIGNATURE_HEADER: webhook.signature})
            except requests.RequestException:
                return None
            return webhook.sid if response.status_code == 200 else None
        return send

    return run_open_loop([sender(w) for w in webhooks], rate, TWILIO_TIMEOUT)


def answers(url: str) -> bool:
    try:
        session = requests.Session()
        session.trust_env = False
        return session.get(url, timeout=2).status_code in (200, 503)  # 503: Rasa is not running here
    except requests.RequestException:
        return False


def helpdesk_env(twilio: TwilioStandin) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.production", "DJANGO_SECRET_KEY": "bench-ack",
        "HELPDESK_API_TOKEN": "bench-ack-token", "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": f"{PG_URL}/{DB}", "REDIS_URL": REDIS_URL,
        "LOG_LEVEL": "WARNING", "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_API_BASE": "http://127.0.0.1:9", "TWILIO_SMS_FROM": SMS_FROM, "TWILIO_WHATSAPP_FROM": "",
        "RASA_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1",
    }


def recreate_database() -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    redis.Redis.from_url(REDIS_URL).flushdb()


def stored(sids: list[str]) -> int:
    import psycopg

    with psycopg.connect(f"{PG_URL}/{DB}") as conn:
        return conn.execute("SELECT count(*) FROM conversations_message WHERE channel = 'sms' AND direction = 'in' "
                            "AND external_id = ANY(%s)", (sids,)).fetchone()[0]


class Phase:
    def __init__(self, server: str, sent: int, latencies: list[float], acknowledged: int, kept: int, cpu: float,
                 load: tuple[float, float]):
        self.server, self.sent, self.acknowledged, self.kept, self.cpu, self.load = (
            server, sent, acknowledged, kept, cpu, load)
        self.ms = [v * 1000 for v in latencies]

    def line(self) -> str:
        return (f"{self.server}: CPU {1000 * self.cpu / self.sent:.1f} ms per webhook, ack p50 "
                f"{percentile(self.ms, 50):.1f} ms, p99 {percentile(self.ms, 99):.1f} ms, max {max(self.ms):.1f} ms "
                f"({self.sent} webhooks, {self.sent - self.acknowledged} not answered 200, "
                f"{self.acknowledged - self.kept} acknowledged but not stored; load average {self.load[0]:.1f} → "
                f"{self.load[1]:.1f})")


def run_phase(server: str, processes_count: int, env: dict, twilio: TwilioStandin, rate: float, seconds: float,
              tag: str) -> Phase:
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/twilio/"
    processes = Processes(f"bench-ack-{server}")
    try:
        processes.start("web", [sys.executable, "-m", "helpdesk.config.web", "--server", server, "--port", str(port),
                                "--processes", str(processes_count)], env)
        if not wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 90, processes):
            raise SystemExit(f"bench-ack: {server} did not come up; see {processes.logs}")
        warmup = signed_webhooks(url, twilio, int(rate), prefix=f"+8613{tag}0")
        window = signed_webhooks(url, twilio, int(rate * seconds), prefix=f"+8613{tag}1")
        open_loop(url, warmup, rate)  # every process has its threads, connections and caches warm
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(processes.pid("web"))
        latencies, acknowledged = open_loop(url, window, rate)
        cpu = cpu_seconds(processes.pid("web")) - cpu_before
        load_after = os.getloadavg()[0]
    finally:
        processes.stop()
    return Phase(server, len(window), latencies, len(acknowledged), stored(acknowledged), cpu,
                 (load_before, load_after))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_ACK_RATE", 100)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_ACK_SECONDS", 20)))
    parser.add_argument("--servers", default=os.environ.get("BENCH_ACK_SERVERS", "uvicorn,daphne"))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ACK_ROUNDS", 2)))
    parser.add_argument("--processes", type=int, default=int(os.environ.get("BENCH_WEB_PROCESSES", 2)))
    args = parser.parse_args()
    servers = args.servers.split(",")

    log(f"bench-ack: recreating {DB} ...")
    recreate_database()
    twilio = TwilioStandin()  # its credentials and webhook shapes only; nothing is sent to it
    env = helpdesk_env(twilio)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    if migrate.returncode != 0:
        raise SystemExit(f"bench-ack: migrate failed:\n{migrate.stderr[-3000:]}")

    phases: dict[str, list[Phase]] = collections.defaultdict(list)
    order = []
    for i in range(args.rounds):
        order += servers if i % 2 == 0 else servers[::-1]
    try:
        for n, server in enumerate(order):
            log(f"bench-ack: {server} ×{args.processes}: {args.rate:.0f} webhooks/s for {args.seconds:.0f} s ...")
            phase = run_phase(server, args.processes, env, twilio, args.rate, args.seconds, tag=f"{n:02d}")
            phases[server].append(phase)
            log("bench-ack:   " + phase.line())
    finally:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # the turns no worker took

    print(f"bench-ack: signed inbound-SMS webhooks at {args.rate:.0f}/s for {args.seconds:.0f} s per phase, open loop, "
          f"{args.rounds} alternating rounds; `python -m helpdesk.config.web --processes {args.processes}` "
          f"(production settings), PostgreSQL {DB}, no worker; one sender in three new; machine: "
          f"{os.cpu_count()} cores, shared")
    for server in servers:
        for phase in phases[server]:
            print(phase.line())
    p99 = {}
    for server in servers:
        every = phases[server]
        ms = [v for p in every for v in p.ms]
        sent = sum(p.sent for p in every)
        p99[server] = percentile(ms, 99)
        lost = sum(p.acknowledged - p.kept for p in every)
        failed = sum(p.sent - p.acknowledged for p in every)
        print(f"{server} (all rounds): CPU {1000 * sum(p.cpu for p in every) / sent:.1f} ms per webhook, ack p50 "
              f"{percentile(ms, 50):.1f} ms, p99 {p99[server]:.1f} ms ({sent} webhooks, {failed} not answered 200, "
              f"{lost} acknowledged but not stored)")
    print(f"ack p99 at {args.rate:.0f}/s (target ≤ {TARGET_ACK_P99_MS:.0f} ms): "
          + ", ".join(f"{server} {p99[server]:.1f} ms" for server in servers))


if __name__ == "__main__":
    main()
