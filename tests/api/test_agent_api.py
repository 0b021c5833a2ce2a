"""Agents' API: session auth with CSRF, team scoping, filters, pagination, constant query counts."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from helpdesk.conversations.models import ConversationState
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_create
from tests.factories import (
    AgentFactory,
    ConversationFactory,
    DeliveryWindowFactory,
    ShipmentFactory,
    TeamFactory,
    TrackingEventFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_is_refused_everywhere(client):
    for path in ["/api/v1/conversations/", "/api/v1/tickets/", "/api/v1/shipments/", "/api/v1/customers/", "/api/v1/nps/"]:
        assert client.get(path).status_code == 401, path  # with a WWW-Authenticate challenge


def test_session_writes_need_csrf_token(agent):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    shipment = ShipmentFactory()
    window = DeliveryWindowFactory(station=shipment.station)
    path = f"/api/v1/shipments/{shipment.tracking_number}/reschedule/"
    refused = client.post(path, {"window_id": window.id}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/admin/login/")  # sets the csrftoken cookie, as the agent UI does
    ok = client.post(path, {"window_id": window.id}, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert ok.status_code == 200


def test_agents_see_only_their_teams_conversations_and_tickets(agent_client, agent, supervisor_client):
    other_team = TeamFactory(slug="moscow")
    mine = ConversationFactory(team=agent.agent_profile.team, state=ConversationState.QUEUED)
    unrouted = ConversationFactory()
    theirs = ConversationFactory(team=other_team, state=ConversationState.QUEUED)
    ids = {c["id"] for c in agent_client.get("/api/v1/conversations/").json()["results"]}
    assert ids == {mine.id, unrouted.id}
    assert agent_client.get(f"/api/v1/conversations/{theirs.id}/").status_code == 404
    assert agent_client.post(f"/api/v1/conversations/{theirs.id}/take-over/").status_code == 404
    assert {c["id"] for c in supervisor_client.get("/api/v1/conversations/").json()["results"]} == {mine.id, unrouted.id, theirs.id}

    their_ticket = ticket_create(subject="Lost parcel", category="complaint_lost", team=other_team)
    assert agent_client.get(f"/api/v1/tickets/{their_ticket.number}/").status_code == 404
    assert supervisor_client.get(f"/api/v1/tickets/{their_ticket.number}/").status_code == 200


def test_take_over_then_hand_back(agent_client, agent, django_capture_on_commit_callbacks, monkeypatch):
    from helpdesk.conversations import tasks

    rasa_calls = []
    monkeypatch.setattr(tasks.rasa_tracker_pause, "delay", lambda cid: rasa_calls.append(("pause", cid)))
    monkeypatch.setattr(tasks.rasa_tracker_resume, "delay", lambda cid: rasa_calls.append(("resume", cid)))
    conversation = ConversationFactory(team=agent.agent_profile.team)
    with django_capture_on_commit_callbacks(execute=True):
        body = agent_client.post(f"/api/v1/conversations/{conversation.id}/take-over/").json()
    assert body["state"] == "agent" and body["assignee"] == "alice"
    with django_capture_on_commit_callbacks(execute=True):
        body = agent_client.post(f"/api/v1/conversations/{conversation.id}/hand-back/").json()
    assert body["state"] == "bot" and body["assignee"] is None
    assert rasa_calls == [("pause", conversation.id), ("resume", conversation.id)]
    texts = [m["text"] for m in agent_client.get(f"/api/v1/conversations/{conversation.id}/messages/").json()["results"]]
    assert texts[-1] == "Handed back to the bot." and "joined the conversation" in texts[-2]


def test_second_agent_cannot_grab_a_taken_conversation(agent_client, agent):
    conversation = ConversationFactory(team=agent.agent_profile.team)
    agent_client.post(f"/api/v1/conversations/{conversation.id}/take-over/")
    colleague = AgentFactory(profile__team=agent.agent_profile.team)
    client = APIClient()
    client.force_login(colleague)
    response = client.post(f"/api/v1/conversations/{conversation.id}/take-over/")
    assert response.status_code == 409 and response.json()["code"] == "conversation_taken"


def test_ticket_lifecycle_with_history(agent_client, agent):
    shipment = ShipmentFactory()
    conversation = ConversationFactory(team=agent.agent_profile.team)
    conversation.shipments.add(shipment)
    created = agent_client.post("/api/v1/tickets/", {"subject": "Parcel late", "category": "complaint_late",
                                                     "conversation": conversation.id}, format="json")
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["shipments"] == [shipment.tracking_number]
    assert created.json()["team"] == agent.agent_profile.team.slug
    agent_client.post(f"/api/v1/tickets/{number}/assign/", {"assignee": "alice"}, format="json")
    agent_client.post(f"/api/v1/tickets/{number}/comments/", {"body": "Called the courier", "is_internal": False}, format="json")
    resolved = agent_client.post(f"/api/v1/tickets/{number}/status/", {"status": "resolved"}, format="json").json()
    assert resolved["status"] == "resolved" and resolved["assignee"] == "alice"
    assert resolved["first_responded_at"] is not None and resolved["resolved_at"] is not None
    assert [h["kind"] for h in resolved["history"]] == ["created", "assigned", "commented", "status_changed"]
    assert resolved["history"][-1]["before"]["status"] == "open" and resolved["history"][-1]["after"]["status"] == "resolved"
    bad = agent_client.post(f"/api/v1/tickets/{number}/status/", {"status": "pending"}, format="json")
    assert bad.status_code == 409 and bad.json()["code"] == "transition_invalid"


def test_ticket_create_rejects_unknown_tracking_numbers(agent_client):
    response = agent_client.post("/api/v1/tickets/", {"subject": "x", "category": "inquiry", "tracking_numbers": ["NOPE1"]},
                                 format="json")
    assert response.status_code == 400 and "tracking_numbers" in response.json()["errors"]


def test_shipment_search_by_tracking_number_or_phone(agent_client):
    shipment = ShipmentFactory(recipient_phone="+8613912345678")
    ShipmentFactory()
    by_number = agent_client.get("/api/v1/shipments/", {"q": shipment.tracking_number.lower()}).json()
    by_phone = agent_client.get("/api/v1/shipments/", {"q": "+8613912345678"}).json()
    assert [s["tracking_number"] for s in by_number["results"]] == [shipment.tracking_number]
    assert [s["tracking_number"] for s in by_phone["results"]] == [shipment.tracking_number]


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path,make", [
    ("/api/v1/shipments/", lambda agent: TrackingEventFactory().shipment),
    ("/api/v1/conversations/", lambda agent: ConversationFactory(team=agent.agent_profile.team)),
    ("/api/v1/tickets/", lambda agent: ticket_create(subject="x", category="inquiry", team=agent.agent_profile.team,
                                                    shipments=[ShipmentFactory()])),
    ("/api/v1/customers/", lambda agent: ConversationFactory().customer),
])
def test_list_endpoints_use_a_constant_number_of_queries(agent_client, agent, path, make):
    for _ in range(3):
        make(agent)
    few = _count_queries(agent_client, path)
    for _ in range(12):
        make(agent)
    assert _count_queries(agent_client, path) == few


def test_shipment_detail_query_count_does_not_grow_with_events(agent_client):
    shipment = ShipmentFactory()
    TrackingEventFactory(shipment=shipment)
    few = _count_queries(agent_client, f"/api/v1/shipments/{shipment.tracking_number}/")
    for _ in range(10):
        TrackingEventFactory(shipment=shipment)
    assert _count_queries(agent_client, f"/api/v1/shipments/{shipment.tracking_number}/") == few


def test_pagination_and_bad_query_parameters(agent_client):
    for _ in range(30):
        ShipmentFactory()
    page = agent_client.get("/api/v1/shipments/", {"page_size": 10, "page": 2}).json()
    assert page["count"] == 30 and len(page["results"]) == 10
    assert agent_client.get("/api/v1/shipments/", {"page": 99}).status_code == 404
    bad = agent_client.get("/api/v1/shipments/", {"status": "teleported"})
    assert bad.status_code == 400


def test_nps_list_is_for_supervisors(agent_client, supervisor_client):
    assert agent_client.get("/api/v1/nps/").status_code == 403
    assert supervisor_client.get("/api/v1/nps/").status_code == 200


def test_dispatch_feed_pages_by_cursor(supervisor_client, bot_client):
    shipment = ShipmentFactory()
    from helpdesk.shipments.services import Actor, shipment_address_change
    agent = AgentFactory()
    for n in range(3):
        shipment_address_change(shipment=shipment, address=f"{n} Feed Street, Flat 1", actor=Actor.agent(agent))
    first = bot_client.get("/api/v1/dispatch/feed/", {"limit": 2}).json()
    assert [e["payload"]["after"]["address"] for e in first["events"]] == ["0 Feed Street, Flat 1", "1 Feed Street, Flat 1"]
    second = supervisor_client.get("/api/v1/dispatch/feed/", {"cursor": first["next_cursor"]}).json()
    assert [e["payload"]["after"]["address"] for e in second["events"]] == ["••••"]  # a staff login: masked
    assert bot_client.get("/api/v1/dispatch/feed/", {"cursor": "abc"}).status_code == 400
