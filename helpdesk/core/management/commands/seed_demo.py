"""`manage.py seed_demo`: a realistic carrier in four language regions, for `make run` and demos."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from helpdesk.accounts.models import AgentProfile, Role, Team
from helpdesk.conversations.demo import message_templates_demo_seed
from helpdesk.conversations.models import Conversation, ConversationState, Message
from helpdesk.customers.models import ChannelIdentity, Customer
from helpdesk.network.models import Courier, DeliveryWindow, PickupPoint, Station
from helpdesk.selfservice.demo import selfservice_demo_seed
from helpdesk.shipments.models import DeliveryAttempt, Shipment, ShipmentStatus, TrackingEvent
from helpdesk.surveys.models import NpsResponse
from helpdesk.tickets.models import BusinessHours, Priority, SlaPolicy
from helpdesk.tickets.services import complaint_file, ticket_create

DEMO_PASSWORD = "parceldesk-demo"

# code, name, city, address, tz, lat, lon, language, phone prefix, team
STATIONS = [
    ("SH01", "Shanghai Pudong Station", "Shanghai", "88 Zhangyang Road, Pudong", "Asia/Shanghai", 31.2304, 121.5200, "zh-hans", "+86138", "mainland"),
    ("BJ01", "Beijing Chaoyang Station", "Beijing", "12 Jianguo Road, Chaoyang", "Asia/Shanghai", 39.9087, 116.4605, "zh-hans", "+86139", "mainland"),
    ("HK01", "Hong Kong Kowloon Bay Station", "Hong Kong", "8 Wang Chiu Road, Kowloon Bay", "Asia/Hong_Kong", 22.3230, 114.2120, "zh-hant", "+8529", "greater-china"),
    ("TP01", "Taipei Xinyi Station", "Taipei", "No. 7, Songren Road, Xinyi District", "Asia/Taipei", 25.0330, 121.5654, "zh-hant", "+8869", "greater-china"),
    ("MSK1", "Moscow Tverskoy Station", "Moscow", "Tverskaya St, 15", "Europe/Moscow", 55.7637, 37.6066, "ru", "+7916", "russia"),
    ("SG01", "Singapore Tai Seng Station", "Singapore", "18 Tai Seng Street", "Asia/Singapore", 1.3350, 103.8880, "en", "+659", "international"),
]
TEAMS = [
    ("mainland", "Mainland China desk", ["zh-hans"]),
    ("greater-china", "Hong Kong & Taiwan desk", ["zh-hant"]),
    ("russia", "Russia desk", ["ru"]),
    ("international", "International desk", ["en"]),
]
NAMES = {
    "zh-hans": ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"],
    "zh-hant": ["陳美玲", "林志明", "黃家豪", "張淑芬", "李嘉欣", "王建國"],
    "ru": ["Иван Петров", "Анна Смирнова", "Ольга Кузнецова", "Дмитрий Волков", "Елена Соколова"],
    "en": ["Sarah Tan", "James Lim", "Priya Nair", "Daniel Wong", "Emily Chua"],
}
SENDERS = ["Tmall Flagship Store", "JD Self-operated", "Taobao Seller 小米之家", "Ozon Marketplace", "Wildberries", "Amazon SG"]
STATUS_MIX = [
    (ShipmentStatus.CREATED, 20), (ShipmentStatus.PICKED_UP, 20), (ShipmentStatus.IN_TRANSIT, 60),
    (ShipmentStatus.AT_STATION, 40), (ShipmentStatus.OUT_FOR_DELIVERY, 40), (ShipmentStatus.DELIVERY_FAILED, 35),
    (ShipmentStatus.DELIVERED, 90), (ShipmentStatus.RETURNED, 8), (ShipmentStatus.EXCEPTION, 7),
]
PATH = [ShipmentStatus.CREATED, ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.AT_STATION,
        ShipmentStatus.OUT_FOR_DELIVERY]
EVENT_TEXT = {
    ShipmentStatus.CREATED: "Shipping label created by the sender",
    ShipmentStatus.PICKED_UP: "Picked up by courier",
    ShipmentStatus.IN_TRANSIT: "Departed sorting centre",
    ShipmentStatus.AT_STATION: "Arrived at the delivery station",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery with the courier",
    ShipmentStatus.DELIVERY_FAILED: "Delivery attempted, recipient not reached",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.RETURNED: "Returned to the sender",
    ShipmentStatus.EXCEPTION: "Delayed at customs inspection",
}
# Tracking numbers the README names, so a newcomer can try the bot at once.
KNOWN = [
    ("SF1234567890", "SH01", ShipmentStatus.IN_TRANSIT, "+8613800138000"),
    ("SF1234567891", "SH01", ShipmentStatus.DELIVERY_FAILED, "+8613800138000"),
    ("YT9876543210123", "BJ01", ShipmentStatus.OUT_FOR_DELIVERY, "+8613900139000"),
    ("JD0012345678901", "HK01", ShipmentStatus.AT_STATION, "+85291234567"),
    ("RA123456789CN", "MSK1", ShipmentStatus.IN_TRANSIT, "+79161234567"),
    ("80087654321098", "MSK1", ShipmentStatus.DELIVERED, "+79161234567"),
    ("ZTO123456789012", "SG01", ShipmentStatus.DELIVERED, "+6591234567"),
]


class Command(BaseCommand):
    help = "Load demo data: stations, couriers, lockers, shipments in every status, customers, conversations, tickets, NPS."

    def add_arguments(self, parser):
        parser.add_argument("--shipments", type=int, default=320)
        parser.add_argument("--force", action="store_true", help="Seed even if data exists (adds to it).")

    def handle(self, *args, shipments: int, force: bool, **options):
        if Shipment.objects.exists() and not force:
            self.stdout.write("Demo data already present; nothing to do (use --force to add more).")
            return
        self.rng = random.Random(42)
        self.now = timezone.now()
        with transaction.atomic():
            self._calendar()
            teams = self._staff()
            stations = self._network()
            made = self._shipments(stations, shipments)
            self._conversations_tickets_nps(made, teams)
            selfservice_demo_seed()  # fee table, service area, FAQ answers, a few preferences and returns
            message_templates_demo_seed()  # approved WhatsApp and WeChat templates in the four languages
        self.stdout.write(self.style.SUCCESS(
            f"Demo data: {Shipment.objects.count()} shipments, {Customer.objects.count()} customers, "
            f"{Conversation.objects.count()} conversations, {NpsResponse.objects.count()} NPS answers."
        ))

    def _calendar(self):
        for weekday in range(7):
            opens, closes = (dt.time(9), dt.time(18)) if weekday == 6 else (dt.time(8), dt.time(20))
            BusinessHours.objects.update_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})
        for priority, first, resolution in [(Priority.URGENT, 60, 480), (Priority.HIGH, 240, 960),
                                            (Priority.NORMAL, 480, 1440), (Priority.LOW, 960, 2400)]:
            SlaPolicy.objects.update_or_create(priority=priority, defaults={
                "first_response_minutes": first, "resolution_minutes": resolution})

    def _user(self, username, first, last, role, team=None, superuser=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={
            "first_name": first, "last_name": last, "email": f"{username}@parceldesk.example",
            "is_staff": role != Role.AGENT, "is_superuser": superuser})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        AgentProfile.objects.update_or_create(user=user, defaults={"role": role, "team": team})
        return user

    def _staff(self):
        teams = {slug: Team.objects.update_or_create(slug=slug, defaults={"name": name, "languages": langs})[0]
                 for slug, name, langs in TEAMS}
        self._user("admin", "Ada", "Admin", Role.ADMIN, superuser=True)
        self._user("supervisor", "Su", "Pervisor", Role.SUPERVISOR)
        self._user("agent", "Wang", "Lei", Role.AGENT, teams["mainland"])
        self._user("agent.hk", "Chan", "Ka Yan", Role.AGENT, teams["greater-china"])
        self._user("agent.ru", "Olga", "Ivanova", Role.AGENT, teams["russia"])
        self._user("agent.sg", "Priya", "Nair", Role.AGENT, teams["international"])
        return teams

    def _network(self):
        stations = {}
        today = timezone.localdate()
        for code, name, city, address, tz, lat, lon, language, prefix, team in STATIONS:
            station, _ = Station.objects.update_or_create(code=code, defaults={
                "name": name, "city": city, "address": address, "time_zone": tz,
                "latitude": Decimal(str(lat)), "longitude": Decimal(str(lon))})
            couriers = [
                Courier.objects.update_or_create(code=f"{code}-C{n}", defaults={
                    "name": self.rng.choice(NAMES[language]), "station": station, "phone": f"{prefix}{self.rng.randrange(10**7, 10**8)}"})[0]
                for n in range(1, 4)
            ]
            points = []
            for n, (kind, hours) in enumerate([(PickupPoint.Kind.LOCKER, "24/7"), (PickupPoint.Kind.LOCKER, "24/7"),
                                                (PickupPoint.Kind.STATION, "Mon–Sun 09:00–21:00")], start=1):
                points.append(PickupPoint.objects.update_or_create(code=f"{code}-P{n}", defaults={
                    "kind": kind, "name": f"{city} {'Locker' if kind == 'locker' else 'Pickup Station'} {n}",
                    "station": station, "city": city, "address": f"{n * 11} {address}", "opening_hours": hours,
                    "latitude": Decimal(str(round(lat + 0.01 * n, 6))), "longitude": Decimal(str(round(lon - 0.008 * n, 6))),
                    "capacity": 40 if kind == "locker" else 200, "occupied": 38 if n == 2 else self.rng.randrange(5, 30)})[0])
            windows = []
            for day in range(0, 8):
                date = today + dt.timedelta(days=day)
                for start, end in [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)), (dt.time(18), dt.time(21))]:
                    capacity = 40
                    booked = capacity if (day == 1 and start.hour == 18) else self.rng.randrange(5, 30)
                    windows.append(DeliveryWindow.objects.update_or_create(station=station, date=date, start=start, defaults={
                        "end": end, "capacity": capacity, "booked": booked})[0])
            stations[code] = {"station": station, "couriers": couriers, "points": points, "windows": windows,
                              "language": language, "prefix": prefix, "team": team, "city": city}
        return stations

    def _tracking_number(self, n: int) -> str:
        kind = n % 5
        if kind == 0:
            return f"SF{self.rng.randrange(10**11, 10**12)}"
        if kind == 1:
            return f"YT{self.rng.randrange(10**12, 10**13)}"
        if kind == 2:
            return f"JD{self.rng.randrange(10**12, 10**13)}"
        if kind == 3:
            return f"R{'ABCDEFGH'[n % 8]}{self.rng.randrange(10**8, 10**9)}CN"
        return f"{self.rng.randrange(10**13, 10**14)}"  # Russian Post style, 14 digits

    def _shipments(self, stations, count):
        plan = [(tn, code, status, phone) for tn, code, status, phone in KNOWN]
        statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
        codes = list(stations)
        for n in range(max(0, count - len(plan))):
            code = codes[n % len(codes)]
            info = stations[code]
            phone = f"{info['prefix']}{self.rng.randrange(10**7, 10**8)}"
            plan.append((self._tracking_number(n), code, self.rng.choice(statuses), phone))
        made = []
        for tn, code, status, phone in plan:
            if Shipment.objects.filter(tracking_number=tn).exists():
                continue
            made.append(self._shipment(tn, stations[code], status, phone))
        return made

    def _shipment(self, tn, info, status, phone):
        language = info["language"]
        if status in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED):
            created = self.now - dt.timedelta(days=self.rng.randrange(1, 20), hours=self.rng.randrange(0, 23))
        else:  # still on its way: created in the last few days, so its last scan is recent
            created = self.now - dt.timedelta(hours=self.rng.randrange(6, 72))
        customer = Customer.objects.filter(phone=phone).first() or Customer.objects.create(
            name=self.rng.choice(NAMES[language]), phone=phone, language=language)
        window = self.rng.choice([w for w in info["windows"] if w.date > timezone.localdate() and w.booked < w.capacity])
        shipment = Shipment.objects.create(
            tracking_number=tn, customer=customer, sender_name=self.rng.choice(SENDERS), recipient_name=customer.name,
            recipient_phone=phone, address=f"{self.rng.randrange(1, 300)} {info['station'].address.split(',')[0]}, Flat {self.rng.randrange(101, 2999)}",
            city=info["city"], station=info["station"], courier=self.rng.choice(info["couriers"]), status=status,
            eta=window.date if status not in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED) else None,
            delivery_window=window if status not in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED) else None,
            weight_kg=Decimal(str(round(self.rng.uniform(0.2, 12), 2))),
            latitude=info["station"].latitude + Decimal(str(round(self.rng.uniform(-0.03, 0.03), 6))),
            longitude=info["station"].longitude + Decimal(str(round(self.rng.uniform(-0.03, 0.03), 6))),
        )
        Shipment.objects.filter(pk=shipment.pk).update(created_at=created)
        steps = PATH[: PATH.index(status) + 1] if status in PATH else PATH + [status]
        when = created
        for step in steps:
            when += dt.timedelta(hours=self.rng.randrange(2, 14))
            when = min(when, self.now - dt.timedelta(minutes=5))
            TrackingEvent.objects.create(shipment=shipment, status=step, description=EVENT_TEXT[step],
                                         location=info["city"], occurred_at=when)
            if step == ShipmentStatus.DELIVERY_FAILED or (status == ShipmentStatus.DELIVERED and step == ShipmentStatus.OUT_FOR_DELIVERY
                                                           and self.rng.random() < 0.25):
                DeliveryAttempt.objects.create(
                    shipment=shipment, courier=shipment.courier, attempted_at=when, outcome="failed",
                    reason=self.rng.choice(["recipient_absent", "recipient_absent", "address_wrong", "no_access", "refused", "locker_full"]),
                    latitude=shipment.latitude, longitude=shipment.longitude, disputed=self.rng.random() < 0.15)
            if step == ShipmentStatus.DELIVERED:
                DeliveryAttempt.objects.create(
                    shipment=shipment, courier=shipment.courier, attempted_at=when, outcome="delivered",
                    latitude=shipment.latitude, longitude=shipment.longitude, otp_confirmed=self.rng.random() < 0.6,
                    proof_photo_url=f"https://pod.parceldesk.example/{tn}.jpg", signed_by=shipment.recipient_name)
                shipment.delivered_at = when
        shipment.status_changed_at = when
        shipment.save(update_fields=["delivered_at", "status_changed_at"])
        return shipment

    def _conversations_tickets_nps(self, shipments, teams):
        rng = self.rng
        channels = ["webchat", "sms", "whatsapp", "wechat"]
        texts = {
            "en": ["Where is my parcel?", "Can I change the delivery time?", "The courier never came!"],
            "zh-hans": ["我的快递到哪了", "能改一下派送时间吗", "快递员根本没来敲门"],
            "zh-hant": ["我的包裹去咗邊", "可以改派送時間嗎", "速遞員冇嚟過"],
            "ru": ["Где моя посылка?", "Можно перенести доставку?", "Курьер не приходил!"],
        }
        agents = {p.team.slug: p.user for p in AgentProfile.objects.select_related("team", "user").filter(role=Role.AGENT)}
        for n, shipment in enumerate(shipments[:90]):
            language = shipment.customer.language
            channel = channels[n % 4]
            external = shipment.recipient_phone if channel in ("sms", "whatsapp") else f"{channel}-demo-{n}"
            identity, _ = ChannelIdentity.objects.get_or_create(channel=channel, external_id=external,
                                                                defaults={"customer": shipment.customer})
            state = [ConversationState.BOT, ConversationState.QUEUED, ConversationState.AGENT, ConversationState.CLOSED,
                     ConversationState.CLOSED][n % 5]
            team = next(t for t in teams.values() if language in t.languages)
            started = self.now - dt.timedelta(hours=rng.randrange(1, 240))
            conversation = Conversation.objects.create(
                customer=shipment.customer, identity=identity, channel=channel, external_user_id=external,
                state=state, language=language, team=team if state != ConversationState.BOT else None,
                assignee=agents.get(team.slug) if state == ConversationState.AGENT else None,
                handoff_reason=("requested" if state in (ConversationState.QUEUED, ConversationState.AGENT) else
                                ("fallback" if n % 10 == 3 else "")),
                queued_at=started + dt.timedelta(minutes=3) if state != ConversationState.BOT else None,
                last_message_at=started + dt.timedelta(minutes=6), last_inbound_at=started + dt.timedelta(minutes=5),
                closed_at=started + dt.timedelta(minutes=30) if state == ConversationState.CLOSED else None,
                resolved_by_bot=(n % 10 != 3) if state == ConversationState.CLOSED else None,
            )
            conversation.shipments.add(shipment)
            Conversation.objects.filter(pk=conversation.pk).update(created_at=started)
            customer_text = texts[language][n % 3]
            Message.objects.create(conversation=conversation, direction="in", sender_kind="customer",
                                   text=f"{customer_text} {shipment.tracking_number}", channel=channel,
                                   external_id=f"demo-in-{conversation.pk}", delivery_status="processed")
            Message.objects.create(conversation=conversation, direction="out", sender_kind="bot",
                                   text=f"{shipment.tracking_number}: {shipment.get_status_display()}", channel=channel,
                                   delivery_status="delivered")
            if state == ConversationState.AGENT:
                Message.objects.create(conversation=conversation, direction="out", sender_kind="agent",
                                       sender=conversation.assignee, text="Hello, I'm looking into this for you now.",
                                       channel=channel, delivery_status="delivered")
            tickets = []
            if n % 4 == 2:
                category = rng.choice(["late", "damaged", "lost", "courier_conduct", "fake_attempt", "other"])
                tickets.append(complaint_file(conversation=conversation, category=category, description=customer_text,
                                              shipment=shipment, now=started))
            if n % 9 == 0:
                tickets.append(ticket_create(subject=f"Customer asks for delivery change – {shipment.tracking_number}",
                                             category="delivery_change", conversation=conversation, shipments=[shipment],
                                             now=started))
            for ticket in tickets:  # a realistic mix of answered, late and open work
                if ticket.first_response_due < self.now and rng.random() < 0.85:
                    late = rng.random() < 0.2
                    answered = ticket.first_response_due + dt.timedelta(minutes=rng.randrange(5, 90)) if late else \
                        ticket.created_at + (ticket.first_response_due - ticket.created_at) * rng.uniform(0.1, 0.9)
                    fields = {"first_responded_at": min(answered, self.now), "status": "open"}
                    if ticket.resolution_due < self.now and rng.random() < 0.8:
                        resolved = ticket.resolution_due - dt.timedelta(minutes=rng.randrange(10, 600)) if rng.random() < 0.75 \
                            else ticket.resolution_due + dt.timedelta(hours=rng.randrange(1, 20))
                        fields.update(resolved_at=min(max(resolved, fields["first_responded_at"]), self.now), status="resolved")
                    type(ticket).objects.filter(pk=ticket.pk).update(**fields)
        delivered = [s for s in shipments if s.status == ShipmentStatus.DELIVERED]
        praise = {"en": ["Fast and friendly", "Courier called ahead, great", ""], "zh-hans": ["很快，快递员态度好", "送货上门很方便", ""],
                  "zh-hant": ["好快，多謝", "速遞員好有禮貌", ""], "ru": ["Быстро, спасибо", "Курьер позвонил заранее, отлично", ""]}
        blame = {"en": ["Courier was late", "Parcel left at the door without asking", ""], "zh-hans": ["太慢了", "没打电话就放门口了", ""],
                 "zh-hant": ["派送太遲", "冇通知就放喺門口", ""], "ru": ["Курьер опоздал", "Оставили у двери без звонка", ""]}
        for n, shipment in enumerate(delivered[:80]):
            language = shipment.customer.language
            score = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 2, 3, 6, 9, 14, 16])[0]
            comment = rng.choice((praise if score >= 8 else blame)[language])
            response = NpsResponse.objects.create(shipment=shipment, customer=shipment.customer, score=score,
                                                  comment=comment, channel=channels[n % 4], language=language)
            # Answered some hours after delivery, never in the future (a parcel delivered an hour ago has a fresh answer).
            answered = min((shipment.delivered_at or self.now) + dt.timedelta(hours=6), self.now)
            NpsResponse.objects.filter(pk=response.pk).update(created_at=answered)
