"""Phone calls: logged through the service, the API and the agent's page as closed conversations on the "phone"
channel, linked to shipments and tickets, and counted by the reports with the chats."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.calls.models import PhoneCall
from helpdesk.calls.services import phone_call_log
from helpdesk.conversations.models import Conversation
from helpdesk.core.errors import ApplicationError
from helpdesk.reports.selectors import Period, containment_report
from helpdesk.tickets.services import ticket_create
from tests.factories import ConversationFactory, CustomerFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def test_a_logged_call_is_a_closed_phone_conversation_linked_to_shipments_and_tickets(agent):
    shipment = ShipmentFactory()
    customer = CustomerFactory(phone="+8613812345678", name="Wang Fang", language="zh-hans")
    ticket = ticket_create(subject="Parcel late", category="complaint_late", customer=customer)
    started = timezone.now() - dt.timedelta(minutes=30)
    call = phone_call_log(agent=agent, direction="inbound", caller_number="138 1234 5678", outcome="resolved",
                          duration_seconds=245, notes="Asked where the parcel is; read out the ETA.",
                          tracking_numbers=[shipment.tracking_number.lower()], ticket_numbers=[ticket.number],
                          started_at=started)
    convo = call.conversation
    assert (convo.channel, convo.state, convo.external_user_id, convo.customer) == ("phone", "closed", "+8613812345678",
                                                                                   customer)
    assert convo.language == "zh-hans" and convo.assignee == agent and convo.team == agent.agent_profile.team
    assert convo.resolved_by_bot is False and convo.created_at == started
    assert convo.closed_at == started + dt.timedelta(seconds=245)
    assert list(convo.shipments.all()) == [shipment] and list(call.tickets.all()) == [ticket]
    note = convo.messages.get()
    assert note.is_internal_note and note.sender == agent and "4:05" in note.text and "read out the ETA" in note.text
    assert f"Phone call #{convo.pk}" in ticket.comments.get().body
    # A second call from the same number: same customer, a new conversation.
    again = phone_call_log(agent=agent, direction="outbound", caller_number="+8613812345678", outcome="no_answer",
                           duration_seconds=0)
    assert again.conversation.customer == customer and again.conversation_id != convo.pk


@pytest.mark.parametrize("kwargs, code", [
    ({"caller_number": "not a number"}, "phone_invalid"),
    ({"direction": "sideways"}, "direction_invalid"),
    ({"outcome": "maybe"}, "outcome_invalid"),
    ({"duration_seconds": -1}, "duration_invalid"),
    ({"tracking_numbers": ["NOPE999"]}, "shipment_not_found"),
    ({"ticket_numbers": ["T-999999"]}, "ticket_not_found"),
    ({"started_at": timezone.now() + dt.timedelta(days=1)}, "started_at_in_future"),
])
def test_bad_calls_are_refused_and_store_nothing(agent, kwargs, code):
    call = {"agent": agent, "direction": "inbound", "caller_number": "+8613812345678", "outcome": "resolved",
            "duration_seconds": 60, **kwargs}
    with pytest.raises(ApplicationError) as refused:
        phone_call_log(**call)
    assert refused.value.code == code
    assert not Conversation.objects.exists() and not PhoneCall.objects.exists()


def test_calls_through_the_api(agent_client, supervisor_client):
    shipment = ShipmentFactory()
    response = agent_client.post("/api/v1/phone-calls/", {
        "direction": "inbound", "caller_number": "+86 138 1234 5678", "outcome": "callback", "duration_seconds": 95,
        "notes": "Wants a call back after 18:00", "tracking_numbers": [shipment.tracking_number], "language": "en",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["caller_number"] == "•••• 5678" and body["tracking_numbers"] == [shipment.tracking_number]
    assert body["outcome"] == "callback" and body["agent"] == "alice" and "12345678" not in response.content.decode()
    assert Conversation.objects.get(pk=body["conversation"]).channel == "phone"
    listed = supervisor_client.get("/api/v1/phone-calls/").json()
    assert [c["conversation"] for c in listed["results"]] == [body["conversation"]]
    bad = agent_client.post("/api/v1/phone-calls/", {"direction": "inbound", "caller_number": "+8613812345678",
                                                     "outcome": "resolved", "duration_seconds": "long"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    unknown = agent_client.post("/api/v1/phone-calls/", {"direction": "inbound", "caller_number": "+8613812345678",
                                                         "outcome": "resolved", "duration_seconds": 5,
                                                         "tracking_numbers": ["NOPE1"]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "shipment_not_found"
    assert PhoneCall.objects.count() == 1


def test_the_call_list_costs_the_same_few_queries_for_many_calls(agent, agent_client, django_assert_max_num_queries):
    shipments = [ShipmentFactory() for _ in range(3)]
    for n in range(15):
        phone_call_log(agent=agent, direction="inbound", caller_number=f"+86138000000{n:02d}", outcome="resolved",
                       duration_seconds=60, tracking_numbers=[s.tracking_number for s in shipments[: n % 3 + 1]])
    with django_assert_max_num_queries(8):
        listed = agent_client.get("/api/v1/phone-calls/").json()
    assert listed["count"] == 15 and all(c["caller_number"].startswith("••••") for c in listed["results"])


def test_the_agent_page_logs_a_call_and_opens_its_conversation(agent_client):
    shipment = ShipmentFactory()
    page = agent_client.get("/inbox/calls/new/", {"tracking": shipment.tracking_number})
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()
    saved = agent_client.post("/inbox/calls/new/", {
        "direction": "outbound", "caller_number": "13812345678", "minutes": "3", "seconds": "7", "outcome": "resolved",
        "tracking_numbers": shipment.tracking_number, "ticket_numbers": "", "notes": "Confirmed the new window."})
    call = PhoneCall.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/inbox/c/{call.conversation_id}/"
    assert call.duration_seconds == 187 and call.direction == "outbound"
    convo_page = agent_client.get(saved["Location"]).content.decode()
    assert 'data-testid="phone-call"' in convo_page and "3:07" in convo_page and "Confirmed the new window." in convo_page
    assert "12345678" not in convo_page and "•••• 5678" in convo_page
    refused = agent_client.post("/inbox/calls/new/", {"direction": "inbound", "caller_number": "nonsense", "minutes": "1",
                                                      "outcome": "resolved"})
    assert refused.status_code == 400 and "That is not a phone number." in refused.content.decode()
    nul = agent_client.post("/inbox/calls/new/", {"direction": "inbound", "caller_number": "13812345678", "minutes": "1",
                                                  "outcome": "resolved", "notes": "bad\x00byte"})
    assert nul.status_code == 400
    assert PhoneCall.objects.count() == 1


def test_reports_count_calls_with_the_chats_and_by_channel(agent, supervisor_client):
    ConversationFactory(channel="sms", external_user_id="+8613900000001", state="closed", closed_at=timezone.now(),
                        resolved_by_bot=True)
    for outcome in ("resolved", "ticket"):
        phone_call_log(agent=agent, direction="inbound", caller_number="+8613812345678", outcome=outcome,
                       duration_seconds=120)
    today = timezone.localdate()
    period = Period(start=today, end=today)
    assert containment_report(period)["total"] == 3 and containment_report(period)["by_bot"] == 1
    phone_only = Period(start=today, end=today, channel="phone")
    assert containment_report(phone_only)["total"] == 2 and containment_report(phone_only)["by_bot"] == 0
    page = supervisor_client.get("/reports/", {"from": today.isoformat(), "to": today.isoformat()}).content.decode()
    assert 'data-testid="contacts-phone">2<' in page and 'data-testid="contacts-sms">1<' in page
    assert 'data-testid="contacts-total">3<' in page
    filtered = supervisor_client.get("/reports/", {"from": today.isoformat(), "to": today.isoformat(), "channel": "phone"})
    assert filtered.context["r"]["containment"]["total"] == 2


def test_the_call_page_and_card_follow_the_agents_language(agent):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/inbox/calls/new/").content.decode()
    for label in ("记录电话", "客户来电", "需要回电", "客户号码", "保存通话"):
        assert label in page, label
    call = phone_call_log(agent=agent, direction="outbound", caller_number="+8613812345678", outcome="no_answer",
                          duration_seconds=30)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    card = client.get(f"/inbox/c/{call.conversation_id}/").content.decode()
    for label in ("Направление", "Мы позвонили клиенту", "Нет ответа", "Длительность", "0:30"):
        assert label in card, label
