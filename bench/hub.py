"""bench-hub: customers texting the bot over signed SMS webhooks through the whole hub, against Rasa's REST channel.

    bench/hub.py [--customers N] [--concurrency K] [--rounds R]      (make bench-hub)

Runs the shipped pieces against a dedicated database, `parceldesk_bench_hub` (dropped, migrated and seeded with
`seed_demo` each run): the helpdesk's web server (production settings, as in the Procfile: `python -m
helpdesk.config.web`, two uvicorn processes on one socket), a real Celery worker, the
real Rasa server with the cached model (`bot/scripts/train.sh`) and the real action server (which calls the
helpdesk's bot API), and the Twilio stand-in as the customers' phone network.

Every customer is a distinct phone with a short conversation in their language (English, Simplified Chinese,
Traditional Chinese or Russian): a greeting now and then, one or two tracking questions about the seeded demo
parcels (sometimes an unknown number), a thank-you. One customer in five texts from the phone on file, so the bot
shows them the full details; the others see the masked status. K customers talk at once; each sends their next
message when the last one was answered.

- hub: each message is an inbound-SMS webhook signed as Twilio signs it (RequestValidator's HMAC-SHA1 over the
  URL and the form), to POST /webhooks/twilio/; a turn lasts from the POST until the bot's last reply for it
  reached the Twilio stand-in (sent by the worker through the twilio client).
- rasa (the baseline): the same conversations (each hub customer's script and language, from another phone of the
  same kind: on file or not), with their conversations created in the helpdesk beforehand, POSTed straight to Rasa's
  REST channel (/webhooks/rest/webhook) over a keep-alive session with the metadata the hub's worker sends; a turn
  lasts from the POST until Rasa's answer. K customers talk at once on both paths. (Until 2026-11-23 every
  baseline turn went to one Rasa conversation, sender "None": the rounds' customer lists were read through a
  generator that picked up the hub's customers, which have no conversation id. That one ever-growing tracker made the
  baseline cost Rasa 2-4x the CPU per turn and gave ratios of 2.8-4.9; the baseline now refuses a customer without a
  conversation.) The worker talks to Rasa over a keep-alive session too. Both paths' CPU per turn is printed per process
  (Rasa, action server, web, worker), so a baseline that costs Rasa more than the hub does shows.

Both run R times, alternating (rasa, hub, hub, rasa, ...), so load from elsewhere on the machine falls on both
alike. Turn throughput = turns / seconds, summed over the rounds. Then, while the bot is busy (K customers keep
talking), new customers' webhooks arrive open-loop at BENCH_ACK_RATE requests/s (default 100) for
BENCH_ACK_SECONDS (default 30); their acknowledgement latency counts from the moment each request was due, so a
server that falls behind cannot hide it. Every acknowledged webhook must be stored; the web process's CPU per webhook
in that window and the load average are printed (the machine may be shared). The last line is the ratio.

Environment: BENCH_HUB_CUSTOMERS (customers per mode and round, default 90: a round of 30 lasted 2-3 s, too short to be steady), BENCH_HUB_CONCURRENCY (default 8),
BENCH_HUB_ROUNDS (default 2), BENCH_ACK_RATE, BENCH_ACK_SECONDS, BENCH_WORKER_POOL and BENCH_WORKER_CONCURRENCY
(the chats worker's Celery pool and its size, defaults as the Procfile's `worker` line), BENCH_WEB_PROCESSES (uvicorn
processes of `python -m helpdesk.config.web`, default 2 as the Procfile), BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432), BENCH_HUB_DB (default parceldesk_bench_hub),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/13; flushed at the start), RASA_MODEL (another model), BENCH_NICE
(one niceness for the worker, Rasa and the action server; 0 runs them at the web server's priority, for comparison),
BENCH_WORKER_NICE, BENCH_RASA_NICE, BENCH_ACTIONS_NICE (one of them; each defaults to BENCH_NICE if set, else to the
Procfile's level for that process).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (PROCFILE_WORKER_CONCURRENCY, PROCFILE_WORKER_POOL, Processes, cpu_seconds,  # noqa: E402
                           free_port, log, machine_cpu, percentile, wait_until)
from bench.harness import open_loop as run_open_loop  # noqa: E402

from integrations.standins.twilio import TwilioStandin, new_sid  # noqa: E402
from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature  # noqa: E402

DB = os.environ.get("BENCH_HUB_DB", "parceldesk_bench_hub")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# The worker's, Rasa's and the action server's niceness (the Procfile's; tests/deploy/test_priority.py checks they
# agree); the chats worker's pool and size come from bench.harness.
PROCFILE_NICENESS = {"worker": 10, "rasa": 10, "actions": 10}
NICENESS = {name: int(os.environ.get(f"BENCH_{name.upper()}_NICE", os.environ.get("BENCH_NICE", default)))
            for name, default in PROCFILE_NICENESS.items()}
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", PROCFILE_WORKER_POOL)
WORKER_CONCURRENCY = os.environ.get("BENCH_WORKER_CONCURRENCY", PROCFILE_WORKER_CONCURRENCY)
TOKEN = "bench-hub-token"
RASA_TOKEN = "bench-hub-rasa-token"
SMS_FROM = "+15017122661"
TARGET_RATIO = 0.9
TARGET_ACK_P99_MS = 50.0
TURN_TIMEOUT = 180.0

# What customers write, per language. {tn} is a tracking number.
GREETINGS = {
    "en": ["hi", "hello", "good morning", "hey there"],
    "zh-hans": ["你好", "您好", "在吗"],
    "zh-hant": ["你好", "您好", "哈囉"],
    "ru": ["Здравствуйте", "Добрый день", "привет"],
}
TRACKING = {
    "en": ["where is my parcel {tn}?", "hi can u check {tn} pls, no update since monday", "{tn}",
           "Status of {tn}?", "when will {tn} arrive?", "has {tn} been delivered yet",
           "Hello, could you please tell me where {tn} is now?"],
    "zh-hans": ["我的快递{tn}到哪了？", "帮我查一下{tn}", "{tn}什么时候到", "快递单号{tn}，现在在哪里",
                "{tn}"],
    "zh-hant": ["請問{tn}到咗邊度？", "我的包裹{tn}現在在哪裡？", "幫我查一下{tn}", "{tn}幾時到",
                "{tn}"],
    "ru": ["где моя посылка {tn}?", "Здравствуйте, подскажите статус отправления {tn}",
           "посылка {tn} когда приедет?", "трек {tn}, где она сейчас?", "{tn}"],
}
THANKS = {
    "en": ["thanks, bye", "ok thank you", "great, thanks!"],
    "zh-hans": ["谢谢", "好的，谢谢，再见"],
    "zh-hant": ["謝謝", "好的，多謝"],
    "ru": ["спасибо", "Спасибо, до свидания"],
}
UNKNOWN_NUMBERS = ["SF9999999999", "YT0000000000001", "RA000000000CN"]
# Mobile numbers of each region (prefix, digits that follow): +44 7700 9xxxxx, +86 137 xxxx xxxx, ...
PHONES = {"en": ("+447700", 6), "zh-hans": ("+86137", 8), "zh-hant": ("+8526", 7), "ru": ("+7925", 7)}


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


# --- The phone network: the Twilio stand-in, noting when each reply arrived ----------------------------------


class PhoneNetwork(TwilioStandin):
    """The Twilio stand-in, plus the moment each message it accepted arrived, per recipient."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.arrivals: dict[str, list[float]] = collections.defaultdict(list)
        self.listeners: list[threading.Event] = []  # set on every accepted message (the AnswerWatcher's wake-up)

    def handle(self, request):
        response = super().handle(request)
        if response.status == 201:
            to = parse_qs(request.body.decode("utf-8")).get("To", [""])[0]
            with self.lock:
                self.arrivals[to].append(time.time())
            for listener in self.listeners:
                listener.set()
        return response

    def last_arrival(self, phone: str, since: float) -> float | None:
        with self.lock:
            times = [t for t in self.arrivals.get(phone, ()) if t >= since]
        return max(times) if times else None


# --- Customers and their conversations ---------------------------------------------------------------------------


class Customer:
    def __init__(self, phone: str, language: str, script: list[str]):
        self.phone, self.language, self.script = phone, language, script
        self.conversation_id: int | None = None  # the baseline's Rasa sender: a helpdesk conversation
        self.conversation_language = "en"  # what the worker would send as metadata until the bot sets another


def mirror_customers(originals: list[Customer], *, rng: random.Random, shipments: list[tuple[str, str, str]],
                     used: set[str]) -> list[Customer]:
    """The same conversations (script and language) from other phones of the same kind: on file when the original
    texts from the phone on file (if one is left), a new number otherwise."""
    on_file = {phone for _, _, phone in shipments if phone}
    spare = [phone for phone in sorted(on_file) if phone not in used]
    rng.shuffle(spare)
    mirrored = []
    for original in originals:
        if original.phone in on_file and spare:
            phone = spare.pop()
        else:
            prefix, digits = PHONES[original.language]
            while True:
                phone = f"{prefix}{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
                if phone not in used and phone not in on_file:
                    break
        used.add(phone)
        mirrored.append(Customer(phone, original.language, list(original.script)))
    return mirrored


def make_customers(count: int, *, rng: random.Random, shipments: list[tuple[str, str, str]],
                   used: set[str]) -> list[Customer]:
    """`shipments` are (tracking number, language of its station, phone on file or "" when it is no mobile)."""
    by_language = collections.defaultdict(list)
    for tn, language, phone in shipments:
        by_language[language].append((tn, phone))
    languages = ["en", "zh-hans", "zh-hant", "ru"]
    customers = []
    for i in range(count):
        language = languages[i % 4]
        own = None
        if i % 5 == 0:  # texts from the phone on file: the bot may show the full details
            candidates = [s for s in by_language[language] if s[1] and s[1] not in used] or \
                [s for lang in languages for s in by_language[lang] if s[1] and s[1] not in used]
            if candidates:
                own = rng.choice(candidates)
        if own:
            tn, phone = own
        else:
            tn = rng.choice(by_language[language] or [s for lang in languages for s in by_language[lang]])[0]
            prefix, digits = PHONES[language]
            while True:
                phone = f"{prefix}{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
                if phone not in used:
                    break
        used.add(phone)
        script = []
        if rng.random() < 0.5:
            script.append(rng.choice(GREETINGS[language]))
        script.append(rng.choice(TRACKING[language]).format(tn=tn))
        extra = rng.random()
        if extra < 0.3:
            other = rng.choice(shipments)[0]
            script.append(rng.choice(TRACKING[language]).format(tn=other))
        elif extra < 0.4:
            script.append(rng.choice(TRACKING[language]).format(tn=rng.choice(UNKNOWN_NUMBERS)))
        script.append(rng.choice(THANKS[language]))
        customers.append(Customer(phone, language, script))
    return customers


# --- Driving the two paths -----------------------------------------------------------------------------------------


class Turn:
    __slots__ = ("mode", "started", "ended", "replies", "ack")

    def __init__(self, mode: str, started: float, ended: float, replies: int, ack: float | None = None):
        self.mode, self.started, self.ended, self.replies, self.ack = mode, started, ended, replies, ack


class AnswerWatcher(threading.Thread):
    """Sees, from the database, when the hub has handled a message: processed by the bot and every reply of the
    conversation sent to the provider (only then is the customer's turn over).

    A reply reaching the phone network wakes it: the worker records the send a few milliseconds after the stand-in
    answered, so it then looks AFTER_WAKE seconds later (a new reply restarts that schedule), and every SLOW seconds
    otherwise. Until 2026-12-08 it looked every 50 ms whatever happened, so a hub customer waited ~25 ms on average
    after the last reply before sending the next message, which no baseline customer does (Rasa's REST answer ends
    the turn): the bench's own cost in the hub's throughput, not the hub's."""

    AFTER_WAKE, SLOW = (0.004, 0.010, 0.025), 0.05

    QUERY = """
        SELECT m.external_id FROM conversations_message m
        WHERE m.channel = 'sms' AND m.direction = 'in' AND m.external_id = ANY(%s) AND m.delivery_status <> 'received'
          AND NOT EXISTS (SELECT 1 FROM conversations_message o WHERE o.conversation_id = m.conversation_id
                          AND o.direction = 'out' AND o.delivery_status = 'pending' AND NOT o.is_internal_note)
    """

    def __init__(self, dsn: str, network: "PhoneNetwork | None" = None):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.waiting: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.woken = threading.Event()
        if network is not None:
            network.listeners.append(self.woken)

    def expect(self, sid: str) -> threading.Event:
        event = threading.Event()
        with self.lock:
            self.waiting[sid] = event
        return event

    def run(self):
        import psycopg

        schedule: list[float] = []
        last_look = 0.0
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stopped.is_set():
                now = time.monotonic()
                schedule = [t for t in schedule if t > now]
                # The next scheduled look, or the slow one, whichever comes first.
                if self.woken.wait(max(0.0, min(schedule[:1] + [last_look + self.SLOW]) - now)):
                    self.woken.clear()
                    schedule = [time.monotonic() + delay for delay in self.AFTER_WAKE]
                    if time.monotonic() - last_look < self.SLOW:
                        continue  # the send is not recorded yet: look when the schedule says
                last_look = time.monotonic()
                with self.lock:
                    sids = list(self.waiting)
                if sids:
                    done = [row[0] for row in conn.execute(self.QUERY, (sids,))]
                    with self.lock:
                        for sid in done:
                            self.waiting.pop(sid).set()


class Hub:
    def __init__(self, url: str, network: PhoneNetwork, watcher: AnswerWatcher):
        self.url, self.network, self.watcher = url, network, watcher
        self.local = threading.local()
        self.closed = threading.Event()  # set at the end: customers still waiting give up

    def session(self) -> requests.Session:
        if getattr(self.local, "session", None) is None:
            self.local.session = new_session()
        return self.local.session

    def post(self, phone: str, text: str, sid: str) -> requests.Response:
        params = self.network.inbound_params(from_=phone, to=SMS_FROM, body=text, message_sid=sid)
        signature = compute_signature(auth_token=self.network.auth_token, url=self.url, params=params)
        return self.session().post(self.url, data=params, headers={SIGNATURE_HEADER: signature}, timeout=15)

    def turn(self, customer: Customer, text: str) -> Turn:
        sid = new_sid("SM")
        answered = self.watcher.expect(sid)
        started = time.time()
        response = self.post(customer.phone, text, sid)
        ack = time.time() - started
        if response.status_code != 200:
            raise RuntimeError(f"the hub answered {response.status_code} to a signed webhook: {response.text[:300]}")
        deadline = started + TURN_TIMEOUT
        while not answered.wait(0.2):
            if self.closed.is_set():
                raise RuntimeError("the bench is over")
            if time.time() > deadline:
                raise RuntimeError(f"no answer within {TURN_TIMEOUT:.0f} s to {customer.phone}: {text!r}")
        last = self.network.last_arrival(customer.phone, started)
        with self.network.lock:
            replies = sum(1 for t in self.network.arrivals.get(customer.phone, ()) if t >= started)
        return Turn("hub", started, last or time.time(), replies, ack)


class Rasa:
    def __init__(self, url: str):
        self.url = url + "/webhooks/rest/webhook"
        self.local = threading.local()

    def turn(self, customer: Customer, text: str) -> Turn:
        if customer.conversation_id is None:
            raise RuntimeError(f"bench-hub: baseline customer {customer.phone} has no helpdesk conversation")
        if getattr(self.local, "session", None) is None:
            self.local.session = new_session()
        # The metadata the hub's worker sends for an SMS conversation (helpdesk.conversations.messaging._bot_metadata):
        # the conversation's language as stored (the bot detects the language from the text and records it).
        metadata = {"channel": "sms", "language": customer.conversation_language, "customer_verified": True}
        started = time.time()
        response = self.local.session.post(self.url, json={"sender": str(customer.conversation_id), "message": text,
                                                            "metadata": metadata}, timeout=TURN_TIMEOUT)
        ended = time.time()
        response.raise_for_status()
        return Turn("rasa", started, ended, len(response.json()))


def talk(path, customers: list[Customer], concurrency: int) -> list[Turn]:
    """Each customer goes through their script, K at a time; returns every turn."""
    turns: list[Turn] = []
    lock = threading.Lock()

    def converse(customer: Customer) -> None:
        for text in customer.script:
            turn = path.turn(customer, text)
            with lock:
                turns.append(turn)

    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(converse, c) for c in customers]:
            future.result()
    return turns


def open_loop(hub: Hub, customers: list[Customer], rate: float, seconds: float) -> tuple[list[float], list[str]]:
    """Webhooks due at `rate` per second whatever the answers do (harness.open_loop); latency counts from when each
    was due. Returns the latencies and the MessageSids the hub acknowledged with a 200. A server far behind must not
    hold the bench for long: what is unanswered 15 s after the last was due (Twilio's own timeout) counts as not
    acknowledged, with that wait as its latency."""
    def sender(customer: Customer):
        def send() -> str | None:
            sid = new_sid("SM")
            try:
                ok = hub.post(customer.phone, customer.script[0], sid).status_code == 200
            except requests.RequestException:
                return None
            return sid if ok else None
        return send

    count = int(rate * seconds)
    return run_open_loop([sender(customers[i % len(customers)]) for i in range(count)], rate, 15.0)


# --- The processes ---------------------------------------------------------------------------------------------------


def answers(url: str, statuses=(200,)) -> bool:
    try:
        return new_session().get(url, timeout=2).status_code in statuses
    except requests.RequestException:
        return False


def helpdesk_env(twilio: PhoneNetwork, rasa_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.production", "DJANGO_SECRET_KEY": "bench-hub",
        "HELPDESK_API_TOKEN": TOKEN, "DJANGO_SECURE_COOKIES": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG_URL}/{DB}", "REDIS_URL": REDIS_URL, "LOG_LEVEL": "WARNING",
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_API_BASE": twilio.url,
        "TWILIO_SMS_FROM": SMS_FROM, "TWILIO_WHATSAPP_FROM": "",
        "RASA_URL": rasa_url, "RASA_TOKEN": RASA_TOKEN,
        "PYTHONUNBUFFERED": "1",
    }


def recreate_database() -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    redis.Redis.from_url(REDIS_URL).flushdb()


def model_path() -> str:
    if os.environ.get("RASA_MODEL"):
        return os.environ["RASA_MODEL"]
    result = subprocess.run(["bash", "bot/scripts/train.sh"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit("bench-hub: bot/scripts/train.sh failed")
    return result.stdout.strip().splitlines()[-1]


def _mobile(phone: str) -> str:
    """The phone on file in E.164 when it is a valid number a customer could text from, else ""."""
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def summary(turns: list[Turn]) -> tuple[int, float, float]:
    """(turns, seconds from the first message to the last answer, turns/s)"""
    seconds = max(t.ended for t in turns) - min(t.started for t in turns)
    return len(turns), seconds, len(turns) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_HUB_CUSTOMERS", 90)),
                        help="customers per mode and round")
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("BENCH_HUB_CONCURRENCY", 8)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_HUB_ROUNDS", 2)))
    parser.add_argument("--ack-rate", type=float, default=float(os.environ.get("BENCH_ACK_RATE", 100)))
    parser.add_argument("--ack-seconds", type=float, default=float(os.environ.get("BENCH_ACK_SECONDS", 30)))
    args = parser.parse_args()
    concurrency, pool = WORKER_CONCURRENCY, WORKER_POOL
    web_processes = os.environ.get("BENCH_WEB_PROCESSES", "2")

    model = model_path()
    log(f"bench-hub: recreating {DB} ...")
    recreate_database()
    network = PhoneNetwork().start()
    processes = Processes("bench-hub")
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    rasa_url, base = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
    env = helpdesk_env(network, rasa_url)
    try:
        migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                                 capture_output=True, text=True)
        if migrate.returncode != 0:
            raise SystemExit(f"bench-hub: migrate failed:\n{migrate.stderr[-3000:]}")
        log("bench-hub: seeding the demo carrier (seed_demo) ...")
        seeded = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True,
                                text=True)
        if seeded.returncode != 0:
            raise SystemExit(f"bench-hub: seed_demo failed:\n{seeded.stderr[-3000:]}")

        log(f"bench-hub: starting Rasa ({Path(model).name}), the action server, the web server and a Celery worker ...")
        endpoints = processes.logs / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
        bot_env = {**os.environ, "HELPDESK_URL": base, "HELPDESK_API_TOKEN": TOKEN, "RASA_TOKEN": RASA_TOKEN,
                   "RASA_MODEL": model, "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port),
                   "RASA_ENDPOINTS": str(endpoints)}
        # As the Procfile: the web server at normal priority, the bot and the worker behind it (nice), so
        # acknowledgements do not queue behind Rasa's or the worker's CPU.
        def niced(name: str) -> list[str]:
            return ["nice", "-n", str(NICENESS[name])] if NICENESS[name] else []

        processes.start("actions", niced("actions") + ["bash", "bot/scripts/actions.sh"], bot_env)
        processes.start("rasa", niced("rasa") + ["bash", "bot/scripts/rasa.sh"], bot_env)
        processes.start("web", [sys.executable, "-m", "helpdesk.config.web", "--port", str(web_port),
                                "--processes", web_processes], env)
        worker_log = processes.start("worker", niced("worker") + [
            sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "--loglevel", "WARNING",
            "--pool", pool, "--concurrency", concurrency, "--without-gossip", "--without-mingle",
            "--without-heartbeat",
            "--hostname", f"bench-hub-{os.getpid()}@%h"], env)

        os.environ.update(env)
        import warnings

        warnings.filterwarnings("ignore", message="No directory at")
        import django

        django.setup()
        from django.db import connection

        from helpdesk.conversations.models import Message
        from helpdesk.conversations.services import conversation_for_identity
        from helpdesk.shipments.models import Shipment

        rng = random.Random(5)
        shipments = [(s.tracking_number, s.station.code, s.recipient_phone)
                     for s in Shipment.objects.select_related("station").order_by("id")]
        station_language = {"SH01": "zh-hans", "BJ01": "zh-hans", "HK01": "zh-hant", "TP01": "zh-hant",
                            "MSK1": "ru", "SG01": "en"}
        shipments = [(tn, station_language.get(code, "en"), _mobile(phone)) for tn, code, phone in shipments]
        used: set[str] = set()
        rounds = []
        for _ in range(args.rounds):  # each round, the baseline has the same conversations as the hub
            hub_customers = make_customers(args.customers, rng=rng, shipments=shipments, used=used)
            rounds.append({"hub": hub_customers,
                           "rasa": mirror_customers(hub_customers, rng=rng, shipments=shipments, used=used)})
        warmup = {mode: make_customers(8, rng=rng, shipments=shipments, used=used)
                  for mode in ("rasa", "hub")}
        busy = make_customers(max(args.concurrency * 4, 40), rng=rng, shipments=shipments, used=used)
        stream = make_customers(int(args.ack_rate * args.ack_seconds), rng=rng, shipments=shipments,
                                used=used)
        # The baseline's customers get their helpdesk conversation first: the bot's actions look it up by id.
        for customer in warmup["rasa"] + [c for r in rounds for c in r["rasa"]]:
            conversation = conversation_for_identity(channel="sms", external_user_id=customer.phone)
            customer.conversation_id, customer.conversation_language = conversation.pk, conversation.language
        connection.close()

        if not wait_until(lambda: answers(base + "/healthz", (200, 503)), 90, processes):
            raise SystemExit(f"bench-hub: the helpdesk did not come up; see {processes.logs}")
        if not wait_until(lambda: "ready" in worker_log.read_text() or "[queues]" in worker_log.read_text(), 60,
                          processes):
            raise SystemExit(f"bench-hub: the worker did not start; see {processes.logs}")
        if not wait_until(lambda: answers(f"http://127.0.0.1:{actions_port}/health"), 240, processes):
            raise SystemExit(f"bench-hub: the action server did not come up; see {processes.logs}")
        if not wait_until(lambda: answers(f"{rasa_url}/status?token={RASA_TOKEN}"), 300, processes):
            raise SystemExit(f"bench-hub: Rasa did not come up; see {processes.logs}")

        watcher = AnswerWatcher(f"{PG_URL}/{DB}", network)
        watcher.start()
        hub = Hub(base + "/webhooks/twilio/", network, watcher)
        rasa = Rasa(rasa_url)
        paths = {"hub": hub, "rasa": rasa}
        log("bench-hub: warming up both paths ...")
        for mode in ("rasa", "hub"):
            talk(paths[mode], warmup[mode], 4)
        at_once = {"hub": args.concurrency, "rasa": args.concurrency}

        results: dict[str, list[list[Turn]]] = {"hub": [], "rasa": []}
        cpu_used: dict[str, collections.Counter] = {"hub": collections.Counter(), "rasa": collections.Counter()}
        machine_busy: dict[str, list[tuple[float, float]]] = {"hub": [], "rasa": []}
        load_before = os.getloadavg()
        order = []
        for i in range(args.rounds):
            order += ["rasa", "hub"] if i % 2 == 0 else ["hub", "rasa"]
        # A list per mode, built now: a generator here would read `mode` late and hand both paths the hub's
        # customers (the baseline then sent every turn as sender "None", one ever-growing Rasa conversation).
        customers_of = {mode: iter([r[mode] for r in rounds]) for mode in ("rasa", "hub")}
        for mode in order:
            customers = next(customers_of[mode])
            planned = sum(len(c.script) for c in customers)
            log(f"bench-hub: {mode}: {len(customers)} customers, {planned} turns, {at_once[mode]} at once ...")
            cpu_before = {name: cpu_seconds(processes.pid(name)) for name in ("rasa", "web", "worker", "actions")}
            machine_before, steal_before, wall_before = *machine_cpu(), time.time()
            turns = talk(paths[mode], customers, at_once[mode])
            results[mode].append(turns)
            n, seconds, rate = summary(turns)
            cpu = {name: cpu_seconds(processes.pid(name)) - before for name, before in cpu_before.items()}
            machine_after, steal_after = machine_cpu()
            wall = time.time() - wall_before
            # Everything else on the machine: PostgreSQL, Redis, this benchmark (its clients, the Twilio stand-in).
            cpu["other"] = max(0.0, machine_after - machine_before - sum(cpu.values()))
            cpu_used[mode].update(cpu)
            machine_busy[mode].append(((machine_after - machine_before) / wall, (steal_after - steal_before) / wall))
            log(f"bench-hub: {mode}: {n} turns in {seconds:.1f} s = {rate:.2f} turns/s (CPU s: "
                + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
                + f"; machine busy {machine_busy[mode][-1][0]:.2f} of {os.cpu_count()} cores, "
                f"steal {machine_busy[mode][-1][1]:.2f})")

        # Acknowledgements at a steady rate while the bot is busy with K customers' conversations.
        log(f"bench-hub: ack: {args.ack_rate:.0f} webhooks/s for {args.ack_seconds:.0f} s while "
            f"{args.concurrency} customers keep the bot busy ...")
        busy_turns: list[Turn] = []
        stop_busy = threading.Event()

        def keep_busy():
            def converse(customer):
                for text in customer.script:
                    if stop_busy.is_set():
                        return
                    try:
                        busy_turns.append(hub.turn(customer, text))
                    except RuntimeError:
                        return
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                list(pool.map(converse, busy))

        busy_thread = threading.Thread(target=keep_busy, daemon=True)
        busy_thread.start()
        time.sleep(5)
        window_start = time.time()
        web_cpu_before = cpu_seconds(processes.pid("web"))
        stream_latencies, acknowledged = open_loop(hub, stream, args.ack_rate, args.ack_seconds)
        web_cpu_window = cpu_seconds(processes.pid("web")) - web_cpu_before
        window_end = time.time()
        busy_webhooks = sum(1 for t in busy_turns if window_start <= t.started <= window_end)
        load_after = os.getloadavg()
        stop_busy.set()
        stream_failures = len(stream_latencies) - len(acknowledged)
        stored = Message.objects.filter(channel="sms", direction="in", external_id__in=acknowledged).count()
        answered_in_window = sum(1 for t in busy_turns if window_start <= t.ended <= window_end)
        backlog = Message.objects.filter(direction="in", delivery_status="received").count()
        connection.close()
    finally:
        if "hub" in locals():
            hub.closed.set()
            watcher.stopped.set()
        processes.stop()
        network.stop()

    hub_turns = [t for r in results["hub"] for t in r]
    rasa_turns = [t for r in results["rasa"] for t in r]
    hub_n, hub_s = len(hub_turns), sum(summary(r)[1] for r in results["hub"])
    rasa_n, rasa_s = len(rasa_turns), sum(summary(r)[1] for r in results["rasa"])
    hub_rate, rasa_rate = hub_n / hub_s, rasa_n / rasa_s
    ratio = hub_rate / rasa_rate
    acks = [t.ack * 1000 for t in hub_turns]
    stream_ms = [v * 1000 for v in stream_latencies]
    sent = len(stream_latencies)
    p99_stream = percentile(stream_ms, 99)

    def turn_ms(turns):
        return [(t.ended - t.started) * 1000 for t in turns]

    print(f"bench-hub: {hub_n + rasa_n:,} turns from {2 * args.rounds * args.customers:,} customers (en, zh-hans, "
          f"zh-hant, ru; tracking questions on the seeded demo parcels), {args.concurrency} talking at once, "
          f"{args.rounds} alternating rounds per path; uvicorn ×{web_processes} (production settings), Celery worker "
          f"({pool} pool) ×{concurrency}, "
          f"Rasa 3.6 + action server, PostgreSQL {DB}, Twilio stand-in; nice: worker {NICENESS['worker']}, "
          f"Rasa {NICENESS['rasa']}, action server {NICENESS['actions']}, web 0")
    print(f"rasa REST channel (baseline, {args.concurrency} customers at once): {rasa_n} turns in {rasa_s:.1f} s = {rasa_rate:.2f} turns/s; turn "
          f"p50 {percentile(turn_ms(rasa_turns), 50):.0f} ms, p95 {percentile(turn_ms(rasa_turns), 95):.0f} ms; "
          f"{sum(t.replies for t in rasa_turns)} replies")
    print(f"hub (signed SMS webhook → store → worker → Rasa → Twilio client → stand-in): {hub_n} turns in "
          f"{hub_s:.1f} s = {hub_rate:.2f} turns/s; turn p50 {percentile(turn_ms(hub_turns), 50):.0f} ms, "
          f"p95 {percentile(turn_ms(hub_turns), 95):.0f} ms; {sum(t.replies for t in hub_turns)} replies "
          f"reached the stand-in")
    print(f"webhook ack during the hub rounds: p50 {percentile(acks, 50):.1f} ms, p99 {percentile(acks, 99):.1f} ms, "
          f"max {max(acks):.1f} ms ({len(acks)} webhooks)")
    for mode, turns in (("rasa", rasa_turns), ("hub", hub_turns)):
        print(f"CPU per turn, {mode} rounds: " + ", ".join(f"{name} {1000 * cpu_used[mode][name] / len(turns):.0f} ms"
                                                         for name in ("rasa", "actions", "web", "worker", "other"))
              + "; machine busy " + ", ".join(f"{b:.2f}" for b, _ in machine_busy[mode]) + f" of {os.cpu_count()} cores"
              + " (steal " + ", ".join(f"{s:.2f}" for _, s in machine_busy[mode]) + ")")
    print(f"web process CPU during the 100 req/s window: {1000 * web_cpu_window / max(1, sent + busy_webhooks):.1f} ms "
          f"per webhook ({sent + busy_webhooks} webhooks; it also served the action server's bot API calls meanwhile)")
    print(f"load average (1/5/15 min) at the first round: {' '.join(f'{v:.1f}' for v in load_before)}; after the "
          f"ack phase: {' '.join(f'{v:.1f}' for v in load_after)} (2 cores, shared with other work)")
    print(f"webhook ack at {args.ack_rate:.0f} req/s for {args.ack_seconds:.0f} s while the bot is busy: "
          f"p50 {percentile(stream_ms, 50):.1f} ms, p99 {p99_stream:.1f} ms, max {max(stream_ms):.1f} ms "
          f"({sent} webhooks, {stream_failures} not answered 200, {len(acknowledged) - stored} acknowledged but not "
          f"stored; the bot answered {answered_in_window} turns meanwhile, {backlog} messages left waiting)")
    ok = (ratio >= TARGET_RATIO and p99_stream <= TARGET_ACK_P99_MS and stream_failures == 0
          and stored == len(acknowledged))
    print(f"targets: ratio ≥ {TARGET_RATIO}, ack p99 ≤ {TARGET_ACK_P99_MS:.0f} ms at {args.ack_rate:.0f} req/s: "
          f"{'met' if ok else 'NOT met'}")
    print(f"hub/rasa throughput ratio: {ratio:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
