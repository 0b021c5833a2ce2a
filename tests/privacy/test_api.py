"""Masked fields never reach a role that may not see them: shipment API list and detail, conversation API, agent
pages, CSV exports and the OpenAPI schema's examples; unmasking needs the role and a reason, and shows in the reports."""
import csv
import io

import pytest
import yaml
from django.utils import timezone

from helpdesk.privacy.models import UnmaskEvent
from helpdesk.shipments.models import ShipmentChange
from tests.factories import AgentFactory, ConversationFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"
ADDRESS = "Flat 1201, 88 Lujiazui Ring Road"


@pytest.fixture
def parcel(agent):
    shipment = ShipmentFactory(recipient_phone=PHONE, address=ADDRESS, postcode="200120")
    ShipmentChange.objects.create(shipment=shipment, kind="address_change", actor_kind="agent", actor=agent,
                                  before={"address": "Room 5, 1 Old Street", "postcode": "200001"},
                                  after={"address": ADDRESS, "postcode": "200120"})
    conversation = ConversationFactory(channel="sms", external_user_id=PHONE, customer__name="", customer__phone=PHONE,
                                       team=agent.agent_profile.team)
    conversation.shipments.add(shipment)
    return shipment, conversation


def _leaks(text: str) -> list[str]:
    return [secret for secret in (PHONE, PHONE[1:], "12345678", ADDRESS, "Lujiazui", "Old Street", "200120", "200001")
            if secret in text]


@pytest.mark.parametrize("who", ["agent_client", "supervisor_client"])
def test_shipment_list_detail_and_conversation_api_are_masked_for_every_role(request, parcel, who):
    client = request.getfixturevalue(who)
    shipment, conversation = parcel
    detail = client.get(f"/api/v1/shipments/{shipment.tracking_number}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["masked"] is True and body["recipient_phone"] == "•••• 5678" and body["address"] == "••••"
    assert body["city"] == "Shanghai" and body["recipient_name"] == "Li Wei"
    listing = client.get("/api/v1/shipments/", {"q": PHONE})  # searching by the phone still finds it
    assert [s["tracking_number"] for s in listing.json()["results"]] == [shipment.tracking_number]
    convo = client.get(f"/api/v1/conversations/{conversation.pk}/")
    assert convo.status_code == 200 and convo.json()["external_user_id"] == "•••• 5678"
    for response in (detail, listing, convo, client.get("/api/v1/conversations/")):
        assert _leaks(response.content.decode()) == []


@pytest.mark.parametrize("who", ["agent_client", "supervisor_client"])
def test_agent_pages_show_the_masked_form(request, parcel, who):
    client = request.getfixturevalue(who)
    shipment, conversation = parcel
    for path in (f"/inbox/c/{conversation.pk}/", "/inbox/?queue=all", f"/inbox/?q={shipment.tracking_number}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _leaks(page.content.decode()) == [], path
    page = client.get(f"/inbox/c/{conversation.pk}/").content.decode()
    assert "•••• 5678" in page
    assert ('data-unmask="' in page) is (who == "supervisor_client")  # the "show" control only for allowed roles


def test_an_agent_cannot_unmask_through_the_api(agent_client, parcel):
    shipment, _ = parcel
    response = agent_client.post(f"/api/v1/shipments/{shipment.tracking_number}/unmask/",
                                 {"reason": "Customer asked me to read it back"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "unmask_not_allowed"
    assert _leaks(response.content.decode()) == [] and not UnmaskEvent.objects.exists()


def test_a_supervisor_unmasks_with_a_reason_only_and_it_is_audited(supervisor_client, supervisor, parcel):
    shipment, _ = parcel
    url = f"/api/v1/shipments/{shipment.tracking_number}/unmask/"
    for bad in ({}, {"reason": ""}, {"reason": "  x "}):
        refused = supervisor_client.post(url, bad, format="json")
        assert refused.status_code == 400 and _leaks(refused.content.decode()) == []
    assert not UnmaskEvent.objects.exists()
    shown = supervisor_client.post(url, {"reason": "Courier at the door, no answer"}, format="json")
    assert shown.status_code == 200
    assert shown.json() == {"tracking_number": shipment.tracking_number, "recipient_phone": PHONE, "address": ADDRESS,
                            "city": "Shanghai", "postcode": "200120"}
    event = UnmaskEvent.objects.get()
    assert (event.viewer, event.tracking_number, event.reason, event.via) == (
        supervisor, shipment.tracking_number, "Courier at the door, no answer", "api")
    # The detail stays masked afterwards: unmasking is one answer, not a new state.
    assert supervisor_client.get(f"/api/v1/shipments/{shipment.tracking_number}/").json()["recipient_phone"] == "•••• 5678"
    assert supervisor_client.post("/api/v1/shipments/NOPE123/unmask/", {"reason": "Courier at the door"},
                                  format="json").status_code == 404


def test_unmask_audit_in_the_reports_page_csv_and_api_for_supervisors_only(supervisor_client, agent_client, parcel):
    shipment, _ = parcel
    supervisor_client.post(f"/api/v1/shipments/{shipment.tracking_number}/unmask/",
                           {"reason": "Address dispute, ticket T-000001"}, format="json")
    today = timezone.localdate().isoformat()
    page = supervisor_client.get("/reports/", {"from": today, "to": today}).content.decode()
    assert 'data-testid="unmask-row"' in page and "Address dispute, ticket T-000001" in page
    assert shipment.tracking_number in page and "sam" in page and _leaks(page) == []
    export = supervisor_client.get("/reports/privacy/unmask-audit.csv", {"from": today, "to": today})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["when", "who", "role", "tracking_number", "fields", "reason", "via"]
    assert rows[1][1:] == ["sam", "supervisor", shipment.tracking_number, "recipient_phone address postcode",
                           "Address dispute, ticket T-000001", "api"]
    assert _leaks(export.content.decode()) == []
    # Another period: the event is not in it.
    old = supervisor_client.get("/reports/privacy/unmask-audit.csv", {"from": "2020-01-01", "to": "2020-01-31"})
    assert len(list(csv.reader(io.StringIO(old.content.decode())))) == 1
    api = supervisor_client.get("/api/v1/privacy/unmask-events/", {"from": today, "to": today}).json()
    assert [e["reason"] for e in api["results"]] == ["Address dispute, ticket T-000001"]
    assert agent_client.get("/reports/privacy/unmask-audit.csv").status_code == 403
    assert agent_client.get("/api/v1/privacy/unmask-events/").status_code == 403


def test_dispatch_manifest_csv_is_masked_for_staff_logins_and_full_for_dispatch(supervisor_client, bot_client, agent):
    import datetime as dt

    from helpdesk.network.models import Station
    from tests.factories import DeliveryAttemptFactory, StationFactory

    station = StationFactory(code="SHA1")
    shipment = ShipmentFactory(recipient_phone=PHONE, address=ADDRESS, postcode="200120", station=station,
                               status="delivery_failed")
    DeliveryAttemptFactory(shipment=shipment)
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    url = f"/api/v1/dispatch/stations/{Station.objects.get().code}/manifest/"
    full = bot_client.get(url, {"date": day, "format": "csv"}).content.decode()
    masked = supervisor_client.get(url, {"date": day, "format": "csv"}).content.decode()
    if shipment.tracking_number not in full:
        pytest.skip("the manifest did not pick this shipment for the day")
    assert PHONE in full and ADDRESS in full  # dispatch's couriers need them to deliver
    assert shipment.tracking_number in masked and "•••• 5678" in masked and _leaks(masked) == []
    json_rows = supervisor_client.get(url, {"date": day}).content.decode()
    assert _leaks(json_rows) == []


def test_openapi_examples_show_masked_values_and_no_personal_data(client, parcel):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert _leaks(text) == []
    doc = yaml.safe_load(text)
    detail = doc["paths"]["/api/v1/shipments/{tracking_number}/"]["get"]["responses"]["200"]["content"]["application/json"]
    example = next(iter(detail["examples"].values()))["value"]
    assert example["masked"] is True and example["recipient_phone"].startswith("••••") and example["address"] == "••••"
    assert all(change["after"]["address"] == "••••" for change in example["changes"])
    unmask = doc["paths"]["/api/v1/shipments/{tracking_number}/unmask/"]["post"]
    shown = next(iter(unmask["responses"]["200"]["content"]["application/json"]["examples"].values()))["value"]
    assert not any(ch.isdigit() for ch in shown["recipient_phone"])  # described in words, no number
    call = doc["paths"]["/api/v1/phone-calls/"]["post"]
    logged = next(iter(call["responses"]["201"]["content"]["application/json"]["examples"].values()))["value"]
    assert logged["caller_number"].startswith("••••")
