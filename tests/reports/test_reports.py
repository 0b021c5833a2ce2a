"""Dashboard numbers equal the same numbers counted straight from the database; CSV exports match the tables."""
import csv
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from helpdesk.conversations.models import Conversation
from helpdesk.shipments.models import DeliveryAttempt
from helpdesk.surveys.models import NpsResponse
from helpdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", shipments=150, verbosity=0)


def _get(client, path, **params):
    today = timezone.localdate()
    query = {"from": (today - timezone.timedelta(days=60)).isoformat(), "to": today.isoformat(), **params}
    return client.get(path, query)


def test_dashboard_numbers_equal_direct_counts(demo, supervisor_client):
    response = _get(supervisor_client, "/reports/")
    assert response.status_code == 200
    r = response.context["r"]
    answers = list(NpsResponse.objects.values_list("score", flat=True))
    promoters, detractors = sum(s >= 9 for s in answers), sum(s <= 6 for s in answers)
    assert r["nps"]["total"] == len(answers)
    assert r["nps"]["score"] == round(100 * (promoters - detractors) / len(answers))
    assert r["complaints"]["total"] == Ticket.objects.filter(category__startswith="complaint_").count()
    assert sum(row["total"] for row in r["complaints"]["by_category"]) == r["complaints"]["total"]
    closed = Conversation.objects.filter(state="closed")
    assert r["containment"]["total"] == closed.count()
    assert r["containment"]["by_bot"] == closed.filter(resolved_by_bot=True).count()
    failed = DeliveryAttempt.objects.filter(outcome="failed")
    assert r["failed"]["total"] == failed.count()
    assert r["failed"]["disputed"] == failed.filter(disputed=True).count()
    assert sum(row["disputed"] for row in r["failed"]["by_courier"]) == r["failed"]["disputed"]
    now = timezone.now()
    met = [t for t in Ticket.objects.all() if t.first_responded_at and t.first_responded_at <= t.first_response_due]
    missed = [t for t in Ticket.objects.all() if (t.first_responded_at and t.first_responded_at > t.first_response_due)
              or (not t.first_responded_at and t.first_response_due < now)]
    assert (r["sla"]["first_met"], r["sla"]["first_missed"]) == (len(met), len(missed))
    page = response.content.decode()
    assert f'data-testid="nps-score">{r["nps"]["score"]}<' in page


def test_filters_narrow_the_numbers(demo, supervisor_client):
    whole = _get(supervisor_client, "/reports/").context["r"]
    wechat = _get(supervisor_client, "/reports/", channel="wechat").context["r"]
    assert wechat["nps"]["total"] == NpsResponse.objects.filter(channel="wechat").count() < whole["nps"]["total"]
    station = _get(supervisor_client, "/reports/", station="MSK1").context["r"]
    assert station["failed"]["total"] == DeliveryAttempt.objects.filter(outcome="failed", shipment__station__code="MSK1").count()


def test_csv_export_matches_the_table(demo, supervisor_client):
    r = _get(supervisor_client, "/reports/").context["r"]
    response = _get(supervisor_client, "/reports/export/couriers.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["courier", "name", "failed_attempts", "disputed_attempts"]
    assert [[row[0], int(row[2]), int(row[3])] for row in rows[1:]] == [
        [c["courier_code"], c["failed"], c["disputed"]] for c in r["failed"]["by_courier"]]
    for table in ["nps", "nps-trend", "complaints", "complaints-trend", "complaints-by-station", "sla", "handoffs",
                  "failed-deliveries"]:
        assert _get(supervisor_client, f"/reports/export/{table}.csv").status_code == 200
    assert _get(supervisor_client, "/reports/export/secrets.csv").status_code == 404


def test_csv_cells_cannot_smuggle_formulas(supervisor_client):
    NpsResponse.objects.create(score=1, comment="=HYPERLINK(\"http://evil\")", channel="sms", language="en")
    rows = list(csv.reader(io.StringIO(_get(supervisor_client, "/reports/export/nps.csv").content.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")


def test_reports_are_for_supervisors_only(agent_client, client):
    assert agent_client.get("/reports/").status_code == 403
    assert client.get("/reports/").status_code == 302  # to the login page


def _drill(client, kind, **params):
    response = _get(client, f"/reports/drill/{kind}/", **params)
    assert response.status_code == 200, response.content[:300]
    return response


def test_every_number_drills_down_to_exactly_the_rows_behind_it(demo, supervisor_client):
    r = _get(supervisor_client, "/reports/").context["r"]
    assert _drill(supervisor_client, "complaints").context["total"] == r["complaints"]["total"]
    for row in r["complaints"]["by_category"]:
        page = _drill(supervisor_client, "complaints", category=row["category"])
        assert page.context["total"] == row["total"]
        assert {cells[0][0] for cells in page.context["rows"]} == set(
            Ticket.objects.filter(category=row["category"], number__in=[c[0][0] for c in page.context["rows"]])
            .values_list("number", flat=True))
    for row in r["complaints"]["by_station"]:
        assert _drill(supervisor_client, "complaints", at_station=row["station"]).context["total"] == row["total"]
    for row in r["complaints"]["trend"]:
        assert _drill(supervisor_client, "complaints", day=row["day"].isoformat()).context["total"] == row["total"]
    assert _drill(supervisor_client, "sla", missed="first").context["total"] == r["sla"]["first_missed"]
    assert _drill(supervisor_client, "sla", missed="resolution").context["total"] == r["sla"]["resolution_missed"]
    for row in r["sla"]["by_priority"]:
        assert _drill(supervisor_client, "sla", priority=row["priority"]).context["total"] == row["total"]
    assert _drill(supervisor_client, "closed", by_bot="yes").context["total"] == r["containment"]["by_bot"]
    assert _drill(supervisor_client, "closed").context["total"] == r["containment"]["total"]
    for row in r["containment"]["handoff_reasons"]:
        assert _drill(supervisor_client, "handoffs", reason=row["reason"]).context["total"] == row["total"]
    assert _drill(supervisor_client, "attempts").context["total"] == r["failed"]["total"]
    assert _drill(supervisor_client, "attempts", disputed="yes").context["total"] == r["failed"]["disputed"]
    for row in r["failed"]["by_reason"]:
        assert _drill(supervisor_client, "attempts", reason=row["reason"]).context["total"] == row["total"]
    for row in r["failed"]["by_courier"]:
        if row["courier_code"]:
            page = _drill(supervisor_client, "attempts", of_courier=row["courier_code"])
            assert page.context["total"] == row["failed"]
            assert _drill(supervisor_client, "attempts", of_courier=row["courier_code"], disputed="yes").context["total"] == row["disputed"]


def test_drill_down_rows_export_as_csv_and_link_to_the_conversation(demo, supervisor_client):
    r = _get(supervisor_client, "/reports/").context["r"]
    reason = r["containment"]["handoff_reasons"][0]
    page = _drill(supervisor_client, "handoffs", reason=reason["reason"])
    first = page.context["rows"][0][0]
    assert first[1] == f"/inbox/c/{first[0]}/" and supervisor_client.get(first[1]).status_code == 200
    response = _drill(supervisor_client, "handoffs", reason=reason["reason"], format="csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "conversation" and len(rows) - 1 == reason["total"]
    assert {row[5] for row in rows[1:]} == {reason["reason"]}


def test_drill_down_is_for_supervisors_and_refuses_nonsense(demo, agent_client, supervisor_client):
    assert agent_client.get("/reports/drill/complaints/").status_code == 403
    assert supervisor_client.get("/reports/drill/secrets/").status_code == 404
    assert supervisor_client.get("/reports/drill/complaints/?day=yesterday").status_code == 404
    assert supervisor_client.get("/reports/drill/complaints/?from=garbage&category=nope").status_code == 200
