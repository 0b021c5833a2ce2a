"""Agents see their team's work only, and every page and API call checks it.

Every URL pattern of the helpdesk is walked with an agent of another team: an object route (a conversation, its
messages, templates and actions, a shipment and its panel actions, a ticket, a customer) must refuse team B's object
with 403/404 for every method the view has, while an agent of team B gets past the check with the very same request
(so the URL and object are right and the refusal is about the team). Lists and searches must not show team B's work
(that team B's agent does see), creating things must not reach into it, supervisor pages refuse agents, and the bot's
API refuses staff logins. A URL pattern that is not classified below fails the test, so a new endpoint cannot
arrive unchecked."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.tickets.services import ticket_create
from tests.factories import (
    AgentFactory, ConversationFactory, CustomerFactory, DeliveryWindowFactory, ShipmentFactory, TeamFactory,
)

pytestmark = pytest.mark.django_db

# Routes where an agent's team does not apply, and why.
NOT_TEAM_WORK = {
    "healthz": "liveness probe, no data",
    "home": "landing page with links",
    "track": "public tracking page: masked status, changes need a one-time code to the phone on file",
    "track-preferences": "public, behind a one-time code to the phone on file",
    "login": "authentication", "logout": "authentication", "password_change": "authentication",
    "password_change_done": "authentication", "password_reset": "authentication",
    "password_reset_done": "authentication", "password_reset_confirm": "authentication",
    "password_reset_complete": "authentication",
    "set_language": "the viewer's own language", "javascript-catalog": "UI translations",
    "schema": "API description", "swagger-ui": "API description", "redoc": "API description",
    "webhook-twilio": "signed by Twilio", "webhook-twilio-status": "signed by Twilio",
    "webhook-wechat": "signed by WeChat",
    "dispatch-events": "HMAC-signed by dispatch",
}
SUPERVISOR_ONLY = {"reports", "reports-export", "reports-drill", "privacy-unmask-audit-csv", "nps-list",
                   "unmask-event-list", "dispatch-feed", "dispatch-manifest"}
# Lists and searches: the query that would find team B's work, and what of it must not show.
LISTS = {
    "inbox": ("/inbox/", {"queue": "team", "q": "{tn}"}, "conversation-page"),
    "inbox-tickets": ("/inbox/tickets/", {"q": "{tn}"}, "ticket"),
    "conversation-list": ("/api/v1/conversations/", {"customer": "{customer}"}, "conversation"),
    "ticket-list": ("/api/v1/tickets/", {"tracking_number": "{tn}"}, "ticket"),
    "shipment-list": ("/api/v1/shipments/", {"q": "{tn}"}, "shipment"),
    "customer-list": ("/api/v1/customers/", {"q": "{phone}"}, "customer"),
    "phone-call-list": ("/api/v1/phone-calls/", {}, "call"),
    "phone-call-new": ("/inbox/calls/new/", {}, "call-page"),
}
# Lists that also create: a body that names team B's work (must be refused as unknown) and the owner's answer.
CREATES = {
    "ticket-list": ({"subject": "Mine now", "category": "inquiry", "conversation": "{conversation}"}, 404, 201),
    "phone-call-list": ({"direction": "inbound", "caller_number": "+447700900555", "outcome": "resolved",
                         "duration_seconds": 60, "tracking_numbers": ["{tn}"]}, 400, 201),
    "phone-call-new": ({"direction": "inbound", "caller_number": "+447700900555", "outcome": "resolved", "minutes": "1",
                        "seconds": "0", "tracking_numbers": "{tn}", "language": "en"}, 400, 302),
}
METHODS = ("get", "post", "put", "patch", "delete")


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and not (prefix + str(p.pattern)).startswith("admin/"):
            yield p.name, prefix + str(p.pattern), p


ROUTES = sorted({name: (route, pattern) for name, route, pattern in _routes()}.items())


def _methods(pattern: URLPattern) -> list[str]:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return ["get", "post"]  # a function view answers whatever comes; both must be checked
    return [m for m in METHODS if hasattr(view_class, m)]


class TeamB:
    """Team B's work: a customer's SMS chat about a shipment, with a ticket; and an agent of team B."""

    def __init__(self):
        self.team = TeamFactory(slug="moscow", name="Moscow", languages=["ru"])
        self.agent = AgentFactory(username="boris", profile__team=self.team)
        self.customer = CustomerFactory(name="Teamb Customer", phone="+79161110000")
        self.shipment = ShipmentFactory(tracking_number="PDTEAMB0001CN", status="at_station",
                                        recipient_phone="+79161110000", customer=self.customer)
        DeliveryWindowFactory(station=self.shipment.station)
        self.conversation = ConversationFactory(
            channel="sms", customer=self.customer, external_user_id="+79161110000", team=self.team, state="queued",
            language="ru", last_inbound_at=timezone.now(), queued_at=timezone.now())
        self.conversation.shipments.add(self.shipment)
        self.ticket = ticket_create(subject="Teamb lost parcel", category="complaint_lost", team=self.team,
                                    conversation=self.conversation, customer=self.customer, shipments=[self.shipment])
        from helpdesk.calls.services import phone_call_log

        self.call = phone_call_log(agent=self.agent, direction="inbound", caller_number="+79161110000",
                                   outcome="resolved", duration_seconds=95, notes="Teamb call notes",
                                   tracking_numbers=[self.shipment.tracking_number])

    def markers(self, kind: str) -> list[str]:
        return {
            "conversation": [f'"id":{self.conversation.pk},'],
            "conversation-page": [f'/inbox/c/{self.conversation.pk}/'],
            "ticket": [self.ticket.number],
            "shipment": [self.shipment.tracking_number],
            "customer": ["Teamb Customer"],
            "call": ["Teamb call notes", f'"conversation":{self.call.conversation_id},'],
            "call-page": [f'href="/inbox/c/{self.call.conversation_id}/"'],
        }[kind]

    def kwargs(self, name: str, names) -> dict:
        values = {}
        for key in names:
            if key in ("pk", "conversation_id"):
                values[key] = self.customer.pk if name.startswith("customer") else self.conversation.pk
            elif key == "number":
                values[key] = self.ticket.number
            elif key == "tracking_number":
                values[key] = self.shipment.tracking_number
            elif key in ("table", "kind"):
                values[key] = "complaints"
            elif key == "code":
                values[key] = self.shipment.station.code
            else:
                pytest.fail(f"{name}: no team-B value for <{key}>; teach TeamB.kwargs about it")
        return values

    def fill(self, value):
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if value == "{conversation}":
            return self.conversation.pk
        if isinstance(value, str):
            return value.format(tn=self.shipment.tracking_number, customer=self.customer.pk, phone=self.customer.phone)
        return value


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _url(name: str, route: str, pattern: URLPattern, b: TeamB) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=b.kwargs(name, pattern.pattern.converters.keys()))


def _call(client, method: str, url: str, data=None, *, form: bool = False):
    if form:
        return getattr(client, method)(url, data or {})
    return getattr(client, method)(url, data or {}, format="json")


@pytest.fixture
def team_b(db, settings):
    settings.PRIVACY_UNMASK_ROLES = ["agent", "supervisor", "admin"]  # so the unmask call is refused by team, not role
    return TeamB()


@pytest.mark.parametrize("name, route", [(name, route) for name, (route, _) in ROUTES], ids=[n for n, _ in ROUTES])
def test_an_agent_of_another_team_is_refused_everywhere(name, route, agent, team_b, django_capture_on_commit_callbacks):
    pattern = dict(ROUTES)[name][1]
    other, owner = _client(agent), _client(team_b.agent)
    if name in NOT_TEAM_WORK:
        return
    if name.startswith("bot-"):  # the bot's API: the service token only, never a staff login
        url = _url(name, route, pattern, team_b)
        for method in _methods(pattern):
            assert _call(other, method, url).status_code == 403, (method, url)
        return
    if name in SUPERVISOR_ONLY:
        url = _url(name, route, pattern, team_b)
        for method in _methods(pattern):
            assert _call(other, method, url).status_code == 403, (method, url)
            assert _call(owner, method, url).status_code == 403, (method, url)
        return
    if name in LISTS:
        path, params, kind = LISTS[name]
        params = team_b.fill(params)
        seen_by_owner = owner.get(path, params).content.decode()
        seen_by_other = other.get(path, params).content.decode()
        for marker in team_b.markers(kind):
            assert marker in seen_by_owner, f"{name}: team B's agent should see {marker!r}, or the check proves nothing"
            assert marker not in seen_by_other, f"{name}: another team's agent sees {marker!r}"
        if name in CREATES:
            body, refused, accepted = CREATES[name]
            form = getattr(pattern.callback, "view_class", None) is None
            with django_capture_on_commit_callbacks(execute=False):
                answer = _call(other, "post", path, team_b.fill(body), form=form)
                assert answer.status_code == refused, (name, answer.status_code, answer.content[:300])
                assert _call(owner, "post", path, team_b.fill(body), form=form).status_code == accepted
        elif getattr(pattern.callback, "view_class", None) is None:  # a page answers a POST like a GET
            seen_by_other = other.post(f"{path}?{urlencode(params)}").content.decode()
            assert not any(marker in seen_by_other for marker in team_b.markers(kind)), name
        else:
            assert "post" not in _methods(pattern), f"{name} creates things: add a CREATES case naming team B's work"
        return
    kwargs = pattern.pattern.converters.keys()
    assert kwargs, f"{name} ({route}) is not classified: list it in LISTS, SUPERVISOR_ONLY or NOT_TEAM_WORK"
    url = _url(name, route, pattern, team_b)
    with django_capture_on_commit_callbacks(execute=False):  # an owner's action schedules nothing real
        for method in _methods(pattern):
            refused = _call(other, method, url)
            assert refused.status_code in (403, 404), (name, method, refused.status_code, refused.content[:300])
            assert "Teamb" not in refused.content.decode(), (name, method)  # nothing of it in the refusal
        for method in _methods(pattern):
            passed = _call(owner, method, url)
            assert passed.status_code not in (403, 404) and passed.status_code < 500, (
                name, method, passed.status_code, passed.content[:300])


def test_own_conversation_with_another_teams_shipment_is_refused(agent_client, agent, team_b):
    mine = ConversationFactory(channel="sms", external_user_id="+447700900001", team=agent.agent_profile.team,
                               state="agent", assignee=agent)
    tn = team_b.shipment.tracking_number
    assert agent_client.post(f"/api/v1/conversations/{mine.pk}/shipments/{tn}/verification/").status_code == 404
    made = agent_client.post("/api/v1/tickets/", {"subject": "x", "category": "inquiry", "tracking_numbers": [tn]},
                             format="json")
    assert made.status_code == 400 and "Unknown tracking numbers" in str(made.json()["errors"])
    logged = agent_client.post("/api/v1/phone-calls/", {
        "direction": "inbound", "caller_number": "+447700900555", "outcome": "resolved", "duration_seconds": 60,
        "ticket_numbers": [team_b.ticket.number]}, format="json")
    assert logged.status_code == 400 and logged.json()["code"] == "ticket_not_found"
    assert not team_b.shipment.tickets.exclude(pk=team_b.ticket.pk).exists()


def test_an_agent_hands_a_ticket_within_its_team_or_to_a_team_as_a_whole(agent_client, agent, team_b):
    ticket = ticket_create(subject="Ours", category="inquiry", team=agent.agent_profile.team)
    boris = team_b.agent.username
    other_team = agent_client.post(f"/api/v1/tickets/{ticket.number}/assign/", {"assignee": boris}, format="json")
    assert other_team.status_code == 400 and other_team.json()["code"] == "assignee_other_team"
    handed = agent_client.post(f"/api/v1/tickets/{ticket.number}/assign/", {"team": "moscow", "assignee": boris},
                               format="json")
    assert handed.status_code == 200 and handed.json()["assignee"] == boris
    assert agent_client.get(f"/api/v1/tickets/{ticket.number}/").status_code == 404  # now team B's work


def test_supervisors_and_permitted_agents_see_every_team(supervisor_client, team_b, agent):
    agent.agent_profile.can_see_all_teams = True
    agent.agent_profile.save()
    for client in (supervisor_client, _client(agent)):
        assert client.get(f"/api/v1/conversations/{team_b.conversation.pk}/").status_code == 200
        assert client.get(f"/api/v1/shipments/{team_b.shipment.tracking_number}/").status_code == 200
        assert client.get(f"/api/v1/tickets/{team_b.ticket.number}/").status_code == 200
        assert client.get(f"/api/v1/customers/{team_b.customer.pk}/").status_code == 200
        assert client.get(f"/inbox/c/{team_b.conversation.pk}/").status_code == 200


def test_work_of_no_team_yet_is_open_to_every_agent(agent_client):
    shipment = ShipmentFactory(tracking_number="PDNOBODY01CN")
    assert agent_client.get(f"/api/v1/shipments/{shipment.tracking_number}/").status_code == 200
    unrouted = ConversationFactory()
    unrouted.shipments.add(ShipmentFactory(tracking_number="PDUNROUTED1CN"))
    assert agent_client.get("/api/v1/shipments/PDUNROUTED1CN/").status_code == 200


def test_the_live_socket_refuses_another_teams_conversation(agent, team_b):
    from helpdesk.inbox.consumers import _access

    assert _access(agent, team_b.conversation.pk) is None
    assert _access(team_b.agent, team_b.conversation.pk) is not None


def test_every_route_is_classified():
    """The walk above returns early for NOT_TEAM_WORK; nothing else may be skipped silently."""
    for name, (route, pattern) in ROUTES:
        assert name, f"{route} has no name: name it so the access walk can classify it"
        classified = (name in NOT_TEAM_WORK or name in SUPERVISOR_ONLY or name in LISTS or name.startswith("bot-")
                      or bool(pattern.pattern.converters))
        assert classified, f"{name} ({route}) is not classified"
