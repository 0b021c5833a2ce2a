"""bench-scale: seeds 1 M shipments and 5 M messages in PostgreSQL with COPY and times the agent's pages on it.

    bench/scale.py [--fresh] [--requests N] [--shipments N]      (make bench-scale)

Two databases are seeded by the same generator: `parceldesk_bench_scale` (1,000,000 shipments, 5,000,000
messages, ~1 M conversations, 6 M tracking events, ...) and `parceldesk_bench_scale_small` (1,000 shipments),
the baseline. Each is seeded once and reused while its row counts and generator version match; `--fresh`
drops and reseeds both. Then the same requests run against each: the inbox (its five queues), a conversation
with ~5 messages (random ones), the conversation with 500 messages, and the inbox search by tracking number,
phone and ticket number. The last line printed is the worst p95 on the large database.

Environment: BENCH_REQUESTS (requests per page, default 200), BENCH_PG_URL (server, default
postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (default redis://127.0.0.1:6379/11).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR_VERSION = 1  # bump when the generated data changes, so saved databases are reseeded
LARGE_DB, SMALL_DB = "parceldesk_bench_scale", "parceldesk_bench_scale_small"
TARGET_MS = 100.0
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
BIG_CONVERSATION_MESSAGES = 500
SPAN_SECONDS = 180 * 86400  # conversations are spread over half a year
BENCH_AGENT = "agent"  # seed_demo's mainland-desk agent: sees its team's conversations and the unrouted ones
EXTRA_AGENTS_PER_TEAM = 40
EXTRA_COURIERS_PER_STATION = 30
MASK = (1 << 64) - 1


def log(text: str, *, end: str = "\n") -> None:
    print(text, file=sys.stderr, end=end, flush=True)


def mix(i: int, salt: int) -> int:
    """A cheap deterministic hash: the data are the same on every machine and every run."""
    x = (i * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 29
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 32)


# --- The plan: how many of everything, and which row is which ------------------------------------------------


@dataclass(frozen=True)
class Plan:
    shipments: int

    @property
    def customers(self) -> int:
        return self.shipments * 4 // 5

    @property
    def conversations(self) -> int:
        return self.shipments  # conversation j is about shipment j

    @property
    def messages(self) -> int:
        return self.shipments * 5

    @cached_property
    def open_from(self) -> int:
        return self.conversations - self.conversations // 20  # the newest 5 % are not closed yet

    @cached_property
    def big(self) -> int:
        """The long-running conversation: the newest one of a Shanghai customer (the bench agent's team)."""
        j = self.conversations - 1
        while (j % self.customers) % len(STATIONS):
            j -= 1
        return j

    def message_counts(self):
        """3..7 messages per conversation (5 on average), the big one 500; the total is exactly `messages`."""
        big, k = self.big, self.conversations
        assert k % 5 == 0, "the number of shipments must be a multiple of 5"
        extra = BIG_CONVERSATION_MESSAGES - (3 + big % 5)
        shortened = set()
        j = 0
        while len(shortened) < extra:
            if j != big and j % 5:
                shortened.add(j)
            j += 1
        return shortened


def _expected_counts(plan: Plan) -> dict[str, int]:
    events = attempts = 0
    for i in range(plan.shipments):
        status, _ = shipment_status(plan, i)
        steps = STEPS[status]
        events += len(steps)
        if status == "delivery_failed":
            attempts += 1
        elif status == "delivered":
            attempts += 1 + (mix(i, 21) % 4 == 0)
    tickets = sum(1 for j in range(plan.conversations) if has_ticket(j))
    return {
        "customers_customer": plan.customers,
        "customers_channelidentity": plan.customers,
        "shipments_shipment": plan.shipments,
        "shipments_trackingevent": events,
        "shipments_deliveryattempt": attempts,
        "conversations_conversation": plan.conversations,
        "conversations_conversation_shipments": plan.conversations,
        "conversations_message": plan.messages,
        "tickets_ticket": tickets,
        "tickets_ticket_shipments": tickets,
    }


def shipment_status(plan: Plan, i: int) -> tuple[str, bool]:
    """Old shipments are finished; the newest tenth are in every state, as in the demo's mix."""
    recent = i >= plan.shipments - plan.shipments // 10
    if recent:
        return RECENT_STATUSES[mix(i, 1) % len(RECENT_STATUSES)], True
    roll = mix(i, 1) % 100
    return ("delivered" if roll < 94 else "returned" if roll < 97 else "exception"), False


def has_ticket(j: int) -> bool:
    return mix(j, 11) % 10 == 0


def conversation_state(plan: Plan, j: int) -> str:
    if j == plan.big:
        return "agent"
    if j < plan.open_from:
        return "closed"
    roll = mix(j, 3) % 10
    return "bot" if roll < 6 else "queued" if roll < 7 else "agent"


# --- Seeding ---------------------------------------------------------------------------------------------


class Progress:
    """One line on stderr: the table being loaded, all rows done / total, rate and ETA."""

    def __init__(self, total: int):
        self.total, self.done, self.started, self.shown = total, 0, time.monotonic(), 0.0

    def add(self, table: str, table_done: int, table_total: int, n: int, *, final: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown < 0.5 and not final:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0
        log(f"\r  {table:38} {table_done:>11,}/{table_total:<11,} all {self.done:>11,}/{self.total:,} rows"
            f"  {rate / 1000:6.0f}k rows/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}  ", end="\n" if final else "")


class Clock:
    """Formats epoch seconds for COPY quickly (strftime once per hour, not per row)."""

    def __init__(self):
        self.hours: dict[int, str] = {}

    def __call__(self, s: int) -> str:
        hour, rest = divmod(int(s), 3600)
        prefix = self.hours.get(hour)
        if prefix is None:
            prefix = self.hours[hour] = time.strftime("%Y-%m-%d %H:", time.gmtime(hour * 3600))
        return f"{prefix}{rest // 60:02d}:{rest % 60:02d}+00"


N = "\\N"


class Seeder:
    """Generates every table's rows from the plan and loads them with COPY."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.now = int(time.time())
        self.ts = Clock()

    # Small tables through the ORM (seed_demo's calendar, staff, stations, couriers, lockers and windows).
    def reference_data(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from helpdesk.accounts.models import AgentProfile, Role, Team
        from helpdesk.core.management.commands.seed_demo import Command
        from helpdesk.network.models import Courier, Station

        demo = Command()
        demo.rng = random.Random(42)
        demo.now = dt.datetime.fromtimestamp(self.now, dt.timezone.utc)
        demo._calendar()
        teams = demo._staff()
        demo._network()
        User = get_user_model()
        unusable = make_password(None)
        users = User.objects.bulk_create([
            User(username=f"{slug}.{n:02d}", first_name=slug.title(), last_name=f"Agent {n}", password=unusable)
            for slug in teams for n in range(EXTRA_AGENTS_PER_TEAM)])
        AgentProfile.objects.bulk_create([
            AgentProfile(user=u, role=Role.AGENT, team=teams[u.username.rsplit(".", 1)[0]]) for u in users])
        Courier.objects.bulk_create([
            Courier(code=f"{station.code}-X{n:02d}", name=f"Courier {station.code}-{n:02d}", station=station,
                    phone=f"+100{station.pk:02d}{n:04d}")
            for station in Station.objects.all() for n in range(EXTRA_COURIERS_PER_STATION)])
        self.load_reference()

    def load_reference(self) -> None:
        from helpdesk.accounts.models import AgentProfile, Team
        from helpdesk.network.models import Courier, DeliveryWindow, PickupPoint, Station

        today = dt.date.fromtimestamp(self.now)
        teams = {t.slug: t.id for t in Team.objects.all()}
        self.stations = []
        for code, name, city, address, tz, lat, lon, language, prefix, team in STATIONS:
            station = Station.objects.get(code=code)
            self.stations.append({
                "id": station.id, "city": city, "street": address.split(",")[0], "lat": lat, "lon": lon,
                "language": language, "prefix": prefix, "team": teams[team],
                "couriers": list(Courier.objects.filter(station=station).order_by("id").values_list("id", flat=True)),
                "points": list(PickupPoint.objects.filter(station=station).order_by("id").values_list("id", flat=True)),
                "windows": [(w.id, w.date.isoformat()) for w in DeliveryWindow.objects.filter(station=station, date__gt=today)],
                "agents": list(AgentProfile.objects.filter(team_id=teams[team]).order_by("user_id").values_list("user_id", flat=True)),
            })
        self.bench_agent = AgentProfile.objects.get(user__username=BENCH_AGENT).user_id

    # Rows, as COPY text lines. Values never contain tabs, newlines or backslashes.
    def customers(self):
        ts, now = self.ts, self.now
        for c in range(self.plan.customers):
            st = STATIONS[c % 6]
            created = ts(now - SPAN_SECONDS - 86400 + c % 86400)
            yield (f"{c + 1}\t{created}\t{created}\t{NAMES[st[7]][mix(c, 5) % len(NAMES[st[7]])]}\t{phone(c)}\t\t{st[7]}\n")

    def identities(self):
        ts, now = self.ts, self.now
        for c in range(self.plan.customers):
            channel, external = identity_of(c)
            created = ts(now - SPAN_SECONDS - 86400 + c % 86400)
            yield f"{c + 1}\t{created}\t{created}\t{channel}\t{external}\t\t{N}\t{c + 1}\n"

    def shipment_rows(self):
        plan, ts, stations = self.plan, self.ts, self.stations
        customers = plan.customers
        for i in range(plan.shipments):
            c = i % customers
            st = stations[c % 6]
            status, _ = shipment_status(plan, i)
            created = conversation_start(plan, self.now, i) - 2 * 86400
            steps = STEPS[status]
            last = created + len(steps) * 5 * 3600
            h = mix(i, 7)
            lat, lon = st["lat"] + (h % 600 - 300) / 10000, st["lon"] + (h // 600 % 600 - 300) / 10000
            open_ = status not in ("delivered", "returned")  # still has a promised delivery window
            window_id, eta = st["windows"][h % len(st["windows"])] if open_ else (N, N)
            point = st["points"][h % len(st["points"])] if open_ and h % 50 == 0 else N
            yield (f"{i + 1}\t{ts(created)}\t{ts(last)}\t{tracking_number(i)}\t{SENDERS[h % len(SENDERS)]}\t"
                   f"{NAMES[st['language']][mix(c, 5) % len(NAMES[st['language']])]}\t{phone(c)}\t"
                   f"{1 + h % 299} {st['street']}, Flat {101 + h % 2800}\t{st['city']}\t\tCN\t{lat:.6f}\t{lon:.6f}\t"
                   f"{status}\t{ts(last)}\t{eta}\t{0.2 + h % 1180 / 100:.2f}\t"
                   f"{ts(last) if status == 'delivered' else N}\t{st['couriers'][h % len(st['couriers'])]}\t{c + 1}\t"
                   f"{window_id}\t{point}\t{st['id']}\n")

    def event_rows(self):
        plan, ts, stations = self.plan, self.ts, self.stations
        event_id = 0
        for i in range(plan.shipments):
            status, _ = shipment_status(plan, i)
            city = stations[(i % plan.customers) % 6]["city"]
            created = conversation_start(plan, self.now, i) - 2 * 86400
            for n, step in enumerate(STEPS[status], start=1):
                event_id += 1
                when = ts(created + n * 5 * 3600)
                yield f"{event_id}\t{step}\t{EVENT_TEXT[step]}\t{city}\t{when}\t{N}\t{when}\t{i + 1}\n"

    def attempt_rows(self):
        plan, ts, stations = self.plan, self.ts, self.stations
        attempt_id = 0
        for i in range(plan.shipments):
            status, _ = shipment_status(plan, i)
            if status not in ("delivery_failed", "delivered"):
                continue
            st = stations[(i % plan.customers) % 6]
            h = mix(i, 7)
            courier = st["couriers"][h % len(st["couriers"])]
            created = conversation_start(plan, self.now, i) - 2 * 86400
            lat, lon = st["lat"] + (h % 600 - 300) / 10000, st["lon"] + (h // 600 % 600 - 300) / 10000
            failed_at = created + 5 * 5 * 3600 + 1800
            if status == "delivery_failed" or mix(i, 21) % 4 == 0:
                attempt_id += 1
                reason = FAILURE_REASONS[mix(i, 22) % len(FAILURE_REASONS)]
                disputed = "t" if mix(i, 23) % 7 == 0 else "f"
                verdict = VERDICTS[mix(i, 24) % len(VERDICTS)] if disputed == "t" else ""
                yield (f"{attempt_id}\t{ts(failed_at)}\tfailed\t{reason}\t{lat:.6f}\t{lon:.6f}\t\t\tf\t{disputed}\t{N}\t"
                       f"{courier}\t{i + 1}\t{verdict}\n")
            if status == "delivered":
                attempt_id += 1
                name = NAMES[st["language"]][mix(i % plan.customers, 5) % len(NAMES[st["language"]])]
                otp = "t" if h % 5 < 3 else "f"
                yield (f"{attempt_id}\t{ts(created + 6 * 5 * 3600)}\tdelivered\t\t{lat:.6f}\t{lon:.6f}\t"
                       f"https://pod.parceldesk.example/{tracking_number(i)}.jpg\t{name}\t{otp}\tf\t{N}\t{courier}\t{i + 1}\t\n")

    def conversation_rows(self):
        plan, ts, now = self.plan, self.ts, self.now
        counts_short = self.shortened
        for j in range(plan.conversations):
            c = j % plan.customers
            st = self.stations[c % 6]
            channel, external = identity_of(c)
            state = conversation_state(plan, j)
            assignee = self.assignee(j, state)
            n = message_count(plan, j, counts_short)
            start, last = message_time(plan, now, j, 0, n), message_time(plan, now, j, n - 1, n)
            team = N if state == "bot" else st["team"]
            queued = ts(start + 2 * 97) if (state in ("queued", "agent") or assignee != N) else N
            reason = "requested" if queued != N else ("fallback" if state == "closed" and mix(j, 9) % 10 == 0 else "")
            last_inbound = message_time(plan, now, j, (n - 1) & ~1, n)
            closed = ts(last + 600) if state == "closed" else N
            resolved_by_bot = ("t" if assignee == N else "f") if state == "closed" else N
            yield (f"{j + 1}\t{ts(start - 60)}\t{ts(last)}\t{channel}\t{external}\t{state}\t{st['language']}\t\t{reason}\t"
                   f"{queued}\t{ts(last)}\t{ts(last_inbound)}\t{closed}\t{N}\t{resolved_by_bot}\t{assignee}\t{c + 1}\t"
                   f"{c + 1}\t{team}\n")

    def conversation_shipment_rows(self):
        for j in range(self.plan.conversations):
            yield f"{j + 1}\t{j + 1}\t{j + 1}\n"

    def assignee(self, j: int, state: str):
        if j == self.plan.big:
            return self.bench_agent
        agents = self.stations[(j % self.plan.customers) % 6]["agents"]
        if state == "agent" or (state == "closed" and mix(j, 13) % 10 < 4):
            return agents[mix(j, 14) % len(agents)]
        return N

    def message_rows(self):
        """Round by round (every conversation's 1st message, then every 2nd, ...), so a conversation's messages
        are scattered over the table as they are when thousands of chats run at once."""
        plan, short = self.plan, self.shortened
        K, big = plan.conversations, plan.big
        message_id = 0
        for r in range(7):
            for j in range(K):
                n = message_count(plan, j, short)
                if r < n:
                    message_id += 1
                    yield self.message(message_id, j, r, n)
        for r in range(7, BIG_CONVERSATION_MESSAGES):
            message_id += 1
            yield self.message(message_id, big, r, BIG_CONVERSATION_MESSAGES)

    def message(self, message_id: int, j: int, k: int, n: int) -> str:
        plan = self.plan
        c = j % plan.customers
        channel = CHANNELS[mix(c, 2) % 4]
        language = STATIONS[c % 6][7]
        tn = tracking_number(j)
        when = self.ts(message_time(plan, self.now, j, k, n))
        if k % 2 == 0:
            text = f"{CUSTOMER_TEXT[language][(j + k // 2) % 3]} {tn}"
            return (f"{message_id}\t{j + 1}\tin\tcustomer\t{N}\t{text}\t[]\tf\t{channel}\tbench-{message_id}\t"
                    f"processed\t\t0\t\t{N}\t{when}\t{{}}\n")
        assignee = self.assignee(j, conversation_state(plan, j)) if k >= 3 else N
        if assignee != N:
            note = mix(message_id, 17) % 10 == 0
            text = AGENT_NOTE if note else AGENT_TEXT[language][(j + k) % len(AGENT_TEXT[language])]
            return (f"{message_id}\t{j + 1}\tout\tagent\t{assignee}\t{text}\t[]\t{'t' if note else 'f'}\t{channel}\t{N}\t"
                    f"{'not_sent' if note else 'delivered'}\t\t{0 if note else 1}\t\t{N if note else when}\t{when}\t{{}}\n")
        status_text = STATUS_TEXT[shipment_status(plan, j)[0]]
        return (f"{message_id}\t{j + 1}\tout\tbot\t{N}\t{tn}: {status_text}\t[]\tf\t{channel}\t{N}\t"
                f"delivered\t\t1\t\t{when}\t{when}\t{{}}\n")

    def ticket_rows(self, with_shipments: bool = False):
        plan, ts, now = self.plan, self.ts, self.now
        ticket_id = 0
        for j in range(plan.conversations):
            if not has_ticket(j):
                continue
            ticket_id += 1
            if with_shipments:
                yield f"{ticket_id}\t{ticket_id}\t{j + 1}\n"
                continue
            c = j % plan.customers
            st = self.stations[c % 6]
            state = conversation_state(plan, j)
            assignee = self.assignee(j, state)
            channel, _ = identity_of(c)
            created = message_time(plan, now, j, 1, 5) + 30
            category, priority, label = TICKET_KINDS[mix(j, 15) % len(TICKET_KINDS)]
            closed = state == "closed"
            status = "resolved" if closed else ("open" if assignee != N else "new")
            answered = ts(created + 1800 + mix(j, 16) % 7200) if assignee != N else N
            resolved = ts(created + 6 * 3600 + mix(j, 16) % 86400) if closed else N
            yield (f"{ticket_id}\t{ts(created)}\t{ts(created)}\tT-{ticket_id:06d}\t{label} – {tracking_number(j)}\t\t"
                   f"{category}\t{priority}\t{status}\t{channel}\t{ts(created + 4 * 3600)}\t{ts(created + 24 * 3600)}\t"
                   f"{answered}\t{resolved}\t{assignee}\t{j + 1}\t{c + 1}\t{st['team']}\n")

    def tables(self):
        plan = self.plan
        self.shortened = plan.message_counts()
        expected = _expected_counts(plan)
        return [
            ("customers_customer", "id, created_at, updated_at, name, phone, email, language", self.customers),
            ("customers_channelidentity", "id, created_at, updated_at, channel, external_id, display_name, opted_out_at, "
             "customer_id", self.identities),
            ("shipments_shipment", "id, created_at, updated_at, tracking_number, sender_name, recipient_name, "
             "recipient_phone, address, city, postcode, country, latitude, longitude, status, status_changed_at, eta, "
             "weight_kg, delivered_at, courier_id, customer_id, delivery_window_id, pickup_point_id, station_id",
             self.shipment_rows),
            ("shipments_trackingevent", "id, status, description, location, occurred_at, external_id, recorded_at, "
             "shipment_id", self.event_rows),
            ("shipments_deliveryattempt", "id, attempted_at, outcome, reason, latitude, longitude, proof_photo_url, "
             "signed_by, otp_confirmed, disputed, external_id, courier_id, shipment_id, dispute_verdict", self.attempt_rows),
            ("conversations_conversation", "id, created_at, updated_at, channel, external_user_id, state, language, "
             "verified_phone, handoff_reason, queued_at, last_message_at, last_inbound_at, closed_at, bot_delayed_since, "
             "resolved_by_bot, assignee_id, customer_id, identity_id, team_id", self.conversation_rows),
            ("conversations_conversation_shipments", "id, conversation_id, shipment_id", self.conversation_shipment_rows),
            ("conversations_message", "id, conversation_id, direction, sender_kind, sender_id, text, media, "
             "is_internal_note, channel, external_id, delivery_status, delivery_error, delivery_attempts, template_id, "
             "sent_at, created_at, template_variables", self.message_rows),
            ("tickets_ticket", "id, created_at, updated_at, number, subject, description, category, priority, status, "
             "channel, first_response_due, resolution_due, first_responded_at, resolved_at, assignee_id, "
             "conversation_id, customer_id, team_id", self.ticket_rows),
            ("tickets_ticket_shipments", "id, ticket_id, shipment_id", lambda: self.ticket_rows(with_shipments=True)),
        ], expected

    def load(self, conn) -> None:
        tables, expected = self.tables()
        progress = Progress(sum(expected.values()))
        with conn.cursor() as cur:
            # Data are consistent by construction: skip the row-by-row foreign-key triggers while loading
            # (the constraints stay declared), and build the indexes once at the end instead of row by row.
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET synchronous_commit = off")
            saved = []
            for table, _, _ in tables:
                saved += drop_secondary_indexes(cur, table)
            for table, columns, rows in tables:
                done = 0
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    batch = []
                    for line in rows():
                        batch.append(line)
                        if len(batch) == 20000:
                            copy.write("".join(batch))
                            done += len(batch)
                            progress.add(table, done, expected[table], len(batch))
                            batch.clear()
                    copy.write("".join(batch))
                    done += len(batch)
                progress.add(table, done, expected[table], len(batch), final=True)
                if done != expected[table]:
                    raise SystemExit(f"bench-scale: generated {done} rows for {table}, planned {expected[table]}")
            cur.execute("SET maintenance_work_mem = '1GB'")
            started = time.monotonic()
            for n, (kind, name, table, definition) in enumerate(saved, start=1):
                log(f"\r  rebuilding indexes and constraints {n}/{len(saved)}: {name[:50]:50}", end="")
                cur.execute(definition)
            log(f"\r  rebuilt {len(saved)} indexes and constraints in {time.monotonic() - started:.0f} s" + " " * 50)
            for table, _, _ in tables:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute("SET session_replication_role = DEFAULT")


def drop_secondary_indexes(cur, table: str) -> list[tuple[str, str, str, str]]:
    """Drop every index and unique constraint of `table` but the primary key; return the statements that restore them."""
    cur.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                                  AND c.contype IN ('u', 'x')
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1""", [table])
    restore = []
    for index, index_def, constraint, constraint_def in cur.fetchall():
        if constraint:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            restore.append(("constraint", constraint, table, f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}'))
        else:
            cur.execute(f"DROP INDEX {index}")
            restore.append(("index", index, table, index_def))
    return restore


# --- Values --------------------------------------------------------------------------------------------------


def tracking_number(i: int) -> str:
    """Unique by construction: each kind is an affine bijection of i over its digits."""
    kind, k = i % 5, i // 5
    if kind == 0:
        return f"SF{(k * 982451653 + 1000003) % 10**12:012d}"
    if kind == 1:
        return f"YT{(k * 982451653 + 7) % 10**13:013d}"
    if kind == 2:
        return f"JD{(k * 982451653 + 11) % 10**13:013d}"
    if kind == 3:
        return f"R{'ABCDEFGH'[k % 8]}{(k * 48271 + 13) % 10**9:09d}CN"
    return f"8{(k * 982451653 + 17) % 10**13:013d}"


def phone(c: int) -> str:
    return f"{STATIONS[c % 6][8]}{(c * 48271 + 12345) % 10**8:08d}"


def identity_of(c: int) -> tuple[str, str]:
    channel = CHANNELS[mix(c, 2) % 4]
    if channel in ("sms", "whatsapp"):
        return channel, phone(c)
    if channel == "wechat":
        return channel, f"oBench{mix(c, 4) % 10**16:016d}{c:08d}"
    return channel, f"web-{c:010d}"


def conversation_start(plan: Plan, now: int, j: int) -> int:
    return now - 3600 - (plan.conversations - 1 - j) * SPAN_SECONDS // plan.conversations


def message_count(plan: Plan, j: int, shortened: set[int]) -> int:
    if j == plan.big:
        return BIG_CONVERSATION_MESSAGES
    return 3 + j % 5 - (j in shortened)


def message_time(plan: Plan, now: int, j: int, k: int, n: int) -> int:
    if j == plan.big:  # a long chat that ends in the last hour
        return now - 3600 - (n - k) * 97
    return conversation_start(plan, now, j) + k * 97


# Filled from seed_demo and the models once Django is set up (load_demo_constants), so the data look like the demo.
STATIONS: list = []
NAMES: dict = {}
SENDERS: list = []
EVENT_TEXT: dict = {}
STATUS_TEXT: dict = {}
STEPS: dict = {}  # status -> the tracking events that led to it
RECENT_STATUSES: list = []  # the demo's status mix, one entry per weight


def load_demo_constants() -> None:
    from helpdesk.core.management.commands import seed_demo
    from helpdesk.shipments.models import ShipmentStatus

    STATIONS[:] = seed_demo.STATIONS
    NAMES.update(seed_demo.NAMES)
    SENDERS[:] = seed_demo.SENDERS
    EVENT_TEXT.update({str(k.value): v for k, v in seed_demo.EVENT_TEXT.items()})
    STATUS_TEXT.update({str(s.value): str(s.label) for s in ShipmentStatus})
    path = [str(s.value) for s in seed_demo.PATH]
    for status in ShipmentStatus:
        status = str(status.value)
        STEPS[status] = path[: path.index(status) + 1] if status in path else path + [status]
    RECENT_STATUSES[:] = [str(s.value) for s, weight in seed_demo.STATUS_MIX for _ in range(weight)]
    for pool in (NAMES, CUSTOMER_TEXT, AGENT_TEXT):
        assert not any(ch in s for v in pool.values() for s in v for ch in "\t\n\\"), "COPY text must not need escaping"


CHANNELS = ("sms", "whatsapp", "wechat", "webchat")
VERDICTS = ["courier_away", "outside_window", "at_address"]  # helpdesk.shipments.services.DisputeVerdict
FAILURE_REASONS = ["recipient_absent", "recipient_absent", "recipient_absent", "address_wrong", "no_access", "refused",
                   "locker_full"]
CUSTOMER_TEXT = {
    "en": ["Where is my parcel?", "Can I change the delivery time?", "The courier never came!"],
    "zh-hans": ["我的快递到哪了", "能改一下派送时间吗", "快递员根本没来敲门"],
    "zh-hant": ["我的包裹去咗邊", "可以改派送時間嗎", "速遞員冇嚟過"],
    "ru": ["Где моя посылка?", "Можно перенести доставку?", "Курьер не приходил!"],
}
AGENT_TEXT = {
    "en": ["Hello, I'm looking into this for you now.", "Your parcel is at the station; the courier will call you.",
           "Done: the delivery is rescheduled for tomorrow."],
    "zh-hans": ["您好，我正在为您查询。", "包裹已到网点，快递员会先给您打电话。", "已为您改约到明天派送。"],
    "zh-hant": ["您好，我正在為您查詢。", "包裹已到派送站，速遞員會先致電您。", "已為您改到明天派送。"],
    "ru": ["Здравствуйте, я проверяю.", "Посылка на пункте, курьер позвонит заранее.", "Готово: доставка перенесена на завтра."],
}
AGENT_NOTE = "Internal: called the station, courier confirms the parcel is on the shelf."
TICKET_KINDS = [("complaint_late", "normal", "Complaint: late delivery"),
                ("complaint_damaged", "high", "Complaint: damaged parcel"),
                ("complaint_fake_attempt", "high", "Complaint: fake delivery attempt"),
                ("delivery_change", "normal", "Delivery change request"),
                ("inquiry", "low", "Inquiry")]


# --- One database: seed if needed, then measure --------------------------------------------------------------


def _django(dbname: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.production",  # what ships: DEBUG off, cached templates
        "DJANGO_SECRET_KEY": "bench-scale", "HELPDESK_API_TOKEN": "bench-scale", "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": f"{PG_URL}/{dbname}", "REDIS_URL": REDIS_URL, "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
    })
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files are not collected here
    import django

    django.setup()


def _admin_connection():
    import psycopg

    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def _database_state(dbname: str) -> dict | None:
    with _admin_connection() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [dbname]).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def _recreate(dbname: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def seed_if_needed(dbname: str, plan: Plan, fresh: bool) -> dict:
    """Reuse the database when it was fully seeded by this generator at this size and its counts match."""
    from django.core.management import call_command
    from django.db import connection

    expected = _expected_counts(plan)
    state = _database_state(dbname)
    if not fresh and state and state.get("generator") == GENERATOR_VERSION and state.get("shipments") == plan.shipments:
        call_command("migrate", verbosity=0)  # a no-op when up to date; applies new index migrations to saved data
        with connection.cursor() as cur:
            actual = {}
            for table in expected:
                cur.execute(f"SELECT count(*) FROM {table}")
                actual[table] = cur.fetchone()[0]
        if actual == expected:
            log(f"[{dbname}] reusing the seeded database ({plan.shipments:,} shipments, {plan.messages:,} messages; "
                f"seeded in {state.get('seed_seconds', 0):.0f} s on {state.get('seeded_at', '?')})")
            return {**state, "reused": True}
        log(f"[{dbname}] row counts differ from the plan; reseeding")
        connection.close()
    elif state is not None and not fresh:
        log(f"[{dbname}] not seeded completely by this generator at this size; reseeding")
    _recreate(dbname)
    call_command("migrate", verbosity=0)
    log(f"[{dbname}] seeding {plan.shipments:,} shipments, {plan.messages:,} messages, "
        f"{sum(expected.values()):,} rows in all, with COPY ...")
    started = time.monotonic()
    seeder = Seeder(plan)
    seeder.reference_data()
    connection.close()
    import psycopg

    with psycopg.connect(f"{PG_URL}/{dbname}", autocommit=True) as conn:
        seeder.load(conn)
        analyze_started = time.monotonic()
        log("  VACUUM ANALYZE ...", end="")
        conn.execute("VACUUM (ANALYZE)")
        log(f" {time.monotonic() - analyze_started:.0f} s")
        seconds = time.monotonic() - started
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        state = {"generator": GENERATOR_VERSION, "shipments": plan.shipments, "seed_seconds": round(seconds, 1),
                 "seeded_at": dt.datetime.now().isoformat(timespec="seconds"), "size": size}
        conn.execute(f"COMMENT ON DATABASE \"{dbname}\" IS '{json.dumps(state)}'")
    log(f"[{dbname}] seeded in {seconds / 60:.1f} min ({size})")
    return {**state, "reused": False}


def measure(dbname: str, plan: Plan, requests: int) -> dict:
    """Each page through the whole Django stack (middleware, session, auth, view, template, database).

    The test Client is used rather than an HTTP server in a subprocess: it runs the same handler and
    middleware a server would, lets the number of SQL queries of each request be counted exactly (an
    execute wrapper on the connection), and leaves out socket and server overhead, which does not grow
    with the size of the database — the thing this benchmark is about.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    agent = get_user_model().objects.get(username=BENCH_AGENT)
    client = Client()
    client.force_login(agent)
    rng = random.Random(7)
    team_id = agent.agent_profile.team_id
    with connection.cursor() as cur:
        cur.execute("""SELECT id, state, assignee_id FROM conversations_conversation
                       WHERE (team_id = %s OR team_id IS NULL) AND id <> %s
                       ORDER BY md5(id::text) LIMIT %s""", [team_id, plan.big + 1, requests])
        sample = cur.fetchall()
        ids = [row[0] for row in sample]
        cur.execute("""SELECT cs.conversation_id, s.tracking_number, cu.phone, t.number
                       FROM conversations_conversation_shipments cs
                       JOIN shipments_shipment s ON s.id = cs.shipment_id
                       JOIN conversations_conversation c ON c.id = cs.conversation_id
                       JOIN customers_customer cu ON cu.id = c.customer_id
                       LEFT JOIN tickets_ticket t ON t.conversation_id = c.id
                       WHERE cs.conversation_id = ANY(%s)""", [ids])
        keys = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute("""SELECT c.id, c.state, c.assignee_id, t.number FROM tickets_ticket t
                       JOIN conversations_conversation c ON c.id = t.conversation_id
                       WHERE c.team_id = %s OR c.team_id IS NULL ORDER BY md5(t.id::text) LIMIT %s""",
                    [team_id, requests])
        ticketed = cur.fetchall()

    def queue_of(state: str, assignee_id) -> str:
        if state == "queued":
            return "waiting"
        if state == "agent":
            return "mine" if assignee_id == agent.id else "team"
        return {"bot": "bot", "closed": "closed"}[state]

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def timed(path: str, params: dict | None = None, expect: str | None = None) -> tuple[float, int]:
        nonlocal queries
        queries = 0
        started = time.perf_counter()
        response = client.get(path, params or {})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"bench-scale: GET {path} {params} answered {response.status_code}")
        if expect and expect not in response.content.decode():
            raise SystemExit(f"bench-scale: GET {path} {params} does not show {expect!r}")
        return elapsed, queries

    queues = ["waiting", "mine", "team", "bot", "closed"]
    searches = []
    for n, (cid, state, assignee_id) in enumerate(sample):
        tn, phone_, _ = keys[cid]
        kind = ("tracking", "phone")[n % 2]
        searches.append((kind, {"q": tn if kind == "tracking" else phone_, "queue": queue_of(state, assignee_id)}, cid))
    for n, (cid, state, assignee_id, number) in enumerate(ticketed):
        searches.insert(3 * n + 2, ("ticket", {"q": number, "queue": queue_of(state, assignee_id)}, cid))
    searches = searches[:requests]
    pages = {
        "inbox": [("/inbox/", {"queue": queues[n % 5]}, None) for n in range(requests)],
        "conversation (~5 messages)": [(f"/inbox/c/{cid}/", None, f'data-conversation="{cid}"') for cid in ids],
        f"conversation ({BIG_CONVERSATION_MESSAGES} messages)":
            [(f"/inbox/c/{plan.big + 1}/", None, None) for _ in range(requests)],
        "search": [("/inbox/", params, f'data-conversation="{cid}"') for _, params, cid in searches],
    }
    results = {}
    with connection.execute_wrapper(count):
        for name, calls in pages.items():  # warm up: templates compiled, connection open, plans cached
            for path, params, expect in calls[:10]:
                timed(path, params, expect)
        for name, calls in pages.items():
            rng.shuffle(calls)
            times, query_counts = [], []
            for path, params, expect in calls:
                ms, q = timed(path, params, expect)
                times.append(ms)
                query_counts.append(q)
            times.sort()
            results[name] = {
                "n": len(times), "p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
                "max": times[-1], "queries": sorted(set(query_counts)),
            }
        # What the agent sees of the big conversation: a page of its latest messages.
        response = client.get(f"/inbox/c/{plan.big + 1}/")
        results["_big_messages_shown"] = response.content.decode().count('class="msg ')
    return results


def child(args) -> None:
    _django(args.db)
    load_demo_constants()
    plan = Plan(args.shipments)
    state = seed_if_needed(args.db, plan, args.fresh)
    results = measure(args.db, plan, args.requests)
    print(json.dumps({"db": args.db, "state": state, "results": results}))


# --- Orchestration ------------------------------------------------------------------------------------------


def run_one(dbname: str, shipments: int, requests: int, fresh: bool) -> dict:
    """A fresh process per database: Django binds one database per process, and neither run warms the other."""
    command = [sys.executable, __file__, "--child", "--db", dbname, "--shipments", str(shipments),
               "--requests", str(requests)] + (["--fresh"] if fresh else [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench-scale: the run on {dbname} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="drop and reseed both databases")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 200)))
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--small-shipments", type=int, default=1_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    small = run_one(SMALL_DB, args.small_shipments, args.requests, args.fresh)
    large = run_one(LARGE_DB, args.shipments, args.requests, args.fresh)
    report(small, large, args)


def report(small: dict, large: dict, args) -> None:
    big = large["results"].pop("_big_messages_shown")
    small["results"].pop("_big_messages_shown")
    print(f"\nbench-scale: {args.requests} requests per page as agent '{BENCH_AGENT}' (Django test Client, "
          f"production settings)")
    seeded = large["state"]
    print(f"large: {args.shipments:,} shipments, {Plan(args.shipments).messages:,} messages, {seeded.get('size', '?')}; "
          f"seeded in {seeded.get('seed_seconds', 0) / 60:.1f} min"
          f"{' (reused from an earlier run)' if seeded.get('reused') else ''}")
    print(f"small: {args.small_shipments:,} shipments (baseline)\n")
    print(f"{'page':30} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8} │ {'small p50':>9} {'p95':>7} {'queries':>8}"
          f" │ {'p95 large/small':>15}")
    for name, r in large["results"].items():
        s = small["results"][name]
        print(f"{name:30} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} {fmt_queries(r['queries']):>8} │ "
              f"{s['p50']:9.1f} {s['p95']:7.1f} {fmt_queries(s['queries']):>8} │ {r['p95'] / s['p95']:15.2f}")
    print(f"(times in ms; the {BIG_CONVERSATION_MESSAGES}-message conversation opens on its latest {big} messages, "
          f"older ones a click away)")
    lr = large["results"]
    five, many = lr["conversation (~5 messages)"], lr[f"conversation ({BIG_CONVERSATION_MESSAGES} messages)"]
    constant = all(len(r["queries"]) == 1 for r in lr.values()) and five["queries"] == many["queries"] and all(
        small["results"][k]["queries"] == r["queries"] for k, r in lr.items())
    conversation_p95 = max(five["p95"], many["p95"])
    worst = max(r["p95"] for r in lr.values())
    print(f"queries per request: inbox {fmt_queries(lr['inbox']['queries'])}, conversation with ~5 messages "
          f"{fmt_queries(five['queries'])} and with {BIG_CONVERSATION_MESSAGES} {fmt_queries(many['queries'])}, "
          f"search {fmt_queries(lr['search']['queries'])}; same on the small database: "
          f"{'yes' if constant else 'NO'}")
    print(f"scale worst p95: {worst:.1f} ms (target ≤{TARGET_MS:.0f} ms; inbox {lr['inbox']['p95']:.1f}, "
          f"conversation {conversation_p95:.1f}, search {lr['search']['p95']:.1f}; "
          f"queries constant: {'yes' if constant else 'no'})")


def fmt_queries(values: list[int]) -> str:
    return "/".join(str(v) for v in values)


if __name__ == "__main__":
    main()
