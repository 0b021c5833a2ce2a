"""No staff screen, API answer or export shows a recipient's (customer's) full phone number or address.

One customer known only by phone writes on SMS and WhatsApp and calls in; their shipment failed delivery (courier's
GPS fix recorded) and the agent changed its address; a complaint ticket is open. Then every URL pattern of the
helpdesk that answers GET is walked as an agent of the customer's team and as a supervisor (whose role may unmask,
but only through POST .../unmask/ with a reason): JSON, HTML and CSV bodies must contain neither the phone number
in any spelling nor the old or new address, postcode or GPS fix. A URL pattern not classified here fails the test,
so a new page cannot arrive unchecked. The OpenAPI schema's examples carry no valid-looking phone number at all."""
from __future__ import annotations

import datetime as dt
import json

import phonenumbers
import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.calls.services import phone_call_log
from helpdesk.customers.models import ChannelIdentity
from helpdesk.reports.views import DRILLS
from helpdesk.shipments.services import Actor, shipment_address_change
from helpdesk.tickets.services import ticket_create
from tests.factories import (
    ConversationFactory, CustomerFactory, DeliveryAttemptFactory, MessageFactory, ShipmentFactory,
)

pytestmark = pytest.mark.django_db

PHONE = "+8613957264913"
OLD_ADDRESS, OLD_POSTCODE = "Room 5, 1 Yanan East Road", "200002"
NEW_ADDRESS, NEW_POSTCODE = "Flat 2207, 99 Huayuanshiqiao Road", "200120"
LATITUDE, LONGITUDE = "31.2417753", "121.5061489"
SECRETS = [PHONE, PHONE[1:], PHONE[3:], "139 5726 4913", "139-5726-4913", "57264913", OLD_ADDRESS, "Yanan East",
           NEW_ADDRESS, "Huayuanshiqiao", OLD_POSTCODE, NEW_POSTCODE, LATITUDE[:7], LONGITUDE[:8]]

# Routes that never show a staff member the customer's data, and why.
NOT_WALKED = {
    "healthz": "liveness probe", "home": "landing page with links", "login": "authentication",
    "logout": "authentication", "password_change": "authentication", "password_change_done": "authentication",
    "password_reset": "authentication", "password_reset_done": "authentication",
    "password_reset_confirm": "authentication", "password_reset_complete": "authentication",
    "set_language": "the viewer's own language", "javascript-catalog": "UI translations",
    "swagger-ui": "loads the schema, checked below", "redoc": "loads the schema, checked below",
    "webhook-twilio": "POST from Twilio only", "webhook-twilio-status": "POST from Twilio only",
    "webhook-wechat": "WeChat's signed callbacks", "dispatch-events": "POST from dispatch only",
}
# Actions whose answer is covered by their GET twin (the masked shipment detail) or that answer with no data.
POST_ONLY = {"shipment-reschedule", "shipment-address", "shipment-redirect", "conversation-take-over",
             "conversation-hand-back", "conversation-close", "conversation-verification", "ticket-assign",
             "ticket-status", "ticket-comments", "shipment-unmask"}
# More ways into the same lists: searches by the very phone number, filters, the CSV form of the drill-downs.
EXTRA = [
    ("/api/v1/customers/", {"q": PHONE}), ("/api/v1/shipments/", {"q": PHONE}),
    ("/api/v1/conversations/", {"customer": "{customer}"}), ("/inbox/", {"queue": "all"}),
    ("/inbox/", {"queue": "team", "channel": "sms"}), ("/inbox/", {"queue": "all", "q": "{tn}"}),
    ("/inbox/tickets/", {"q": "{tn}"}),
] + [(f"/reports/drill/{kind}/", {"format": "csv"}) for kind in DRILLS] + [
    ("/api/v1/dispatch/stations/{station}/manifest/", {"format": "csv"}),
    ("/api/v1/dispatch/stations/{station}/manifest/", {"date": "{yesterday}"}),
]


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and not (prefix + str(p.pattern)).startswith("admin/"):
            yield p.name, p


def _answers_get(pattern: URLPattern) -> bool:
    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


class Seeded:
    """The customer's contacts and shipment, all in the agent's team."""

    def __init__(self, agent):
        team = agent.agent_profile.team
        now = timezone.now()
        self.customer = CustomerFactory(name="", phone=PHONE, language="en")
        ChannelIdentity.objects.create(customer=self.customer, channel="sms", external_id=PHONE)
        ChannelIdentity.objects.create(customer=self.customer, channel="whatsapp", external_id=PHONE)
        self.shipment = ShipmentFactory(
            recipient_phone=PHONE, address=OLD_ADDRESS, postcode=OLD_POSTCODE, customer=self.customer,
            latitude=LATITUDE, longitude=LONGITUDE, status="delivery_failed",
            eta=timezone.localdate() + dt.timedelta(days=1))
        DeliveryAttemptFactory(shipment=self.shipment, attempted_at=now - dt.timedelta(hours=2), latitude=LATITUDE,
                               longitude=LONGITUDE, reason="recipient_absent")
        self.sms = ConversationFactory(channel="sms", external_user_id=PHONE, customer=self.customer, team=team,
                                       state="queued", queued_at=now, last_inbound_at=now,
                                       handoff_reason="customer_asked")
        self.whatsapp = ConversationFactory(channel="whatsapp", external_user_id=PHONE, customer=self.customer,
                                            team=team, state="closed", closed_at=now)
        for convo in (self.sms, self.whatsapp):
            convo.shipments.add(self.shipment)
            MessageFactory(conversation=convo, text=f"Where is {self.shipment.tracking_number}?")
        # Back to the door the agent changes the address; old and new both stay in the shipment's history.
        shipment_address_change(shipment=self.shipment, address=NEW_ADDRESS, postcode=NEW_POSTCODE,
                                actor=Actor.agent(agent, self.sms))
        self.shipment.refresh_from_db()
        self.ticket = ticket_create(subject="Parcel not delivered", category="complaint_lost", team=team,
                                    conversation=self.sms, customer=self.customer, shipments=[self.shipment])
        self.call = phone_call_log(agent=agent, direction="inbound", caller_number=PHONE, outcome="resolved",
                                   duration_seconds=95, notes="Asked about the redelivery",
                                   tracking_numbers=[self.shipment.tracking_number])

    def urls(self, name: str, pattern: URLPattern) -> list[str]:
        keys = list(pattern.pattern.converters.keys())
        if name.startswith("bot-"):
            return []
        if "table" in keys:
            tables = ["nps", "nps-trend", "complaints", "complaints-trend", "complaints-by-station", "sla", "handoffs",
                      "failed-deliveries", "couriers"]
            return [reverse(name, kwargs={"table": t}) for t in tables]
        if "kind" in keys:
            return [reverse(name, kwargs={"kind": kind}) for kind in DRILLS]
        if "pk" in keys:
            if name.startswith("customer"):
                return [reverse(name, kwargs={"pk": self.customer.pk})]
            return [reverse(name, kwargs={"pk": c.pk}) for c in (self.sms, self.whatsapp, self.call.conversation)]
        values = {}
        for key in keys:
            if key == "number":
                values[key] = self.ticket.number
            elif key == "tracking_number":
                values[key] = self.shipment.tracking_number
            elif key == "code":
                values[key] = self.shipment.station.code
            else:
                pytest.fail(f"{name}: no value for <{key}>; teach Seeded.urls about it")
        return [reverse(name, kwargs=values)]

    def fill(self, text: str) -> str:
        yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        return text.format(customer=self.customer.pk, tn=self.shipment.tracking_number,
                           station=self.shipment.station.code, yesterday=yesterday)


@pytest.fixture
def seeded(agent):
    return Seeded(agent)


def _get(client, url: str, params=None):
    response = client.get(url, params or {})
    assert response.status_code < 500, (url, response.status_code)
    return response


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_no_page_api_or_export_shows_the_full_phone_or_address(request, seeded, who):
    user = request.getfixturevalue(who)
    client = APIClient()
    client.force_login(user)
    walked, seen_ok = [], 0
    for name, pattern in _routes():
        if name in NOT_WALKED or name in POST_ONLY or name.startswith("bot-"):
            continue
        assert _answers_get(pattern), f"{name}: answers no GET; classify it in POST_ONLY or NOT_WALKED"
        for url in seeded.urls(name, pattern):
            walked.append(url)
            response = _get(client, url, {"tn": seeded.shipment.tracking_number} if name == "track" else None)
            seen_ok += response.status_code == 200
            assert leaks(response.content.decode()) == [], (who, url, response.status_code)
    for path, params in EXTRA:
        url = seeded.fill(path)
        response = _get(client, url, {k: seeded.fill(v) for k, v in params.items()})
        seen_ok += response.status_code == 200
        assert leaks(response.content.decode()) == [], (who, url, params)
    # The walk saw the data, or it proves nothing: the masked forms are there where the data is shown.
    assert seen_ok >= (25 if who == "agent" else 45), (who, seen_ok)
    conversation = client.get(f"/inbox/c/{seeded.sms.pk}/").content.decode()
    assert "•••• 4913" in conversation and "GPS" in conversation
    customer = client.get(f"/api/v1/customers/{seeded.customer.pk}/").json()
    assert customer["phone"] == "•••• 4913"
    assert {i["channel"]: i["external_id"] for i in customer["identities"]} == {
        "sms": "•••• 4913", "whatsapp": "•••• 4913", "phone": "•••• 4913"}
    found = client.get("/api/v1/customers/", {"q": PHONE}).json()["results"]  # the full number still finds them
    assert [c["id"] for c in found] == [seeded.customer.pk]
    if who == "supervisor":
        manifest = client.get(f"/api/v1/dispatch/stations/{seeded.shipment.station.code}/manifest/").json()
        row = next(r for r in manifest["shipments"] if r["tracking_number"] == seeded.shipment.tracking_number)
        assert row["recipient_phone"] == "•••• 4913" and row["customer_response"]["summary"] == "new address: ••••"
        drill = client.get("/reports/drill/attempts/", {"format": "csv"}).content.decode()
        assert seeded.shipment.tracking_number in drill and "••••" in drill


def test_dispatch_service_token_still_gets_the_full_data_for_the_couriers(bot_client, seeded):
    manifest = bot_client.get(f"/api/v1/dispatch/stations/{seeded.shipment.station.code}/manifest/").json()
    row = next(r for r in manifest["shipments"] if r["tracking_number"] == seeded.shipment.tracking_number)
    assert row["recipient_phone"] == PHONE and row["destination"]["address"] == NEW_ADDRESS
    assert row["customer_response"]["summary"] == f"new address: {NEW_ADDRESS}"


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield str(node)


def _examples(node):
    """Every `example`/`examples` value anywhere in the schema (parameters, request and response bodies)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("example", "examples", "default"):
                yield from _strings(value)
            else:
                yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


def _phone_numbers(text: str) -> list[str]:
    found = []
    for region in ("CN", "RU", "GB", "US", "HK"):
        matches = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
        found += [m.raw_string for m in matches]
    return found


def test_the_matcher_would_catch_a_real_looking_number():
    for number in ("+86 138 1234 5678", "13812345678", "+8613812345678", "+7 916 111-00-00", "+44 20 7123 4567"):
        assert _phone_numbers(f'{{"caller_number": "{number}"}}'), number
    assert _phone_numbers('{"recipient_phone": "•••• 4913", "tracking_number": "PD000000000CN"}') == []


def test_openapi_examples_carry_no_phone_number_or_seeded_data(client, seeded):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert leaks(text) == []
    doc = yaml.safe_load(text)
    examples = list(_examples(doc))
    assert len(examples) > 50  # the walk reaches the examples, or it proves nothing
    assert [s for s in examples if _phone_numbers(s)] == []
    customers = doc["paths"]["/api/v1/customers/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]
    shown = next(iter(customers["examples"].values()))["value"]
    assert shown["phone"].startswith("••••") and shown["identities"][0]["external_id"].startswith("••••")
    json.dumps(doc)  # the whole schema is plain data
