"""Privacy through the service layer: who may unmask (and that it is audited), and the anonymization job: dry run
first, idempotent, and every report total the same before and after."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from helpdesk.core.errors import ApplicationError
from helpdesk.privacy.models import AnonymizationRun, ShipmentAnonymization, UnmaskEvent
from helpdesk.privacy.services import shipment_unmask, shipments_anonymize
from helpdesk.reports.selectors import (
    Period, complaints_report, containment_report, failed_deliveries_report, nps_report, sla_report,
)
from helpdesk.shipments.models import DeliveryAttempt, OneTimeCode, Shipment, ShipmentChange
from tests.factories import AgentFactory, ConversationFactory, DeliveryAttemptFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def test_a_supervisor_sees_the_phone_and_address_for_a_reason_and_it_is_logged(supervisor):
    shipment = ShipmentFactory(recipient_phone="+8613912345678", address="Flat 1201, 88 Lujiazui Ring Road")
    shown = shipment_unmask(shipment=shipment, viewer=supervisor, reason="  Courier cannot find the building  ")
    assert shown["recipient_phone"] == "+8613912345678" and shown["address"] == "Flat 1201, 88 Lujiazui Ring Road"
    event = UnmaskEvent.objects.get()
    assert (event.viewer, event.viewer_role, event.tracking_number, event.reason) == (
        supervisor, "supervisor", shipment.tracking_number, "Courier cannot find the building")
    assert event.fields == ["recipient_phone", "address", "postcode"] and event.created_at is not None


def test_an_agent_may_not_unmask_by_default_and_nothing_is_logged(agent):
    shipment = ShipmentFactory()
    with pytest.raises(ApplicationError) as refused:
        shipment_unmask(shipment=shipment, viewer=agent, reason="Customer asked on the phone")
    assert refused.value.code == "unmask_not_allowed" and refused.value.status == 403
    assert not UnmaskEvent.objects.exists()


def test_the_roles_that_may_unmask_are_a_setting(agent, settings):
    settings.PRIVACY_UNMASK_ROLES = ["agent", "supervisor", "admin"]
    shown = shipment_unmask(shipment=ShipmentFactory(recipient_phone="+8613900000001"), viewer=agent,
                            reason="Calling back about the failed delivery")
    assert shown["recipient_phone"] == "+8613900000001" and UnmaskEvent.objects.get().viewer_role == "agent"


@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_no_reason_no_data(supervisor, reason):
    with pytest.raises(ApplicationError) as refused:
        shipment_unmask(shipment=ShipmentFactory(), viewer=supervisor, reason=reason)
    assert refused.value.code == "reason_required" and not UnmaskEvent.objects.exists()


# --- Anonymization ----------------------------------------------------------------------------------------------

def _closed(days_ago: int, status="delivered", **kwargs) -> Shipment:
    when = timezone.now() - dt.timedelta(days=days_ago)
    shipment = ShipmentFactory(status=status, delivered_at=when if status == "delivered" else None,
                               status_changed_at=when, postcode="200120", latitude=31.2, longitude=121.5, **kwargs)
    DeliveryAttemptFactory(shipment=shipment, outcome="failed", attempted_at=when - dt.timedelta(days=1),
                           latitude=31.2, longitude=121.5)
    DeliveryAttemptFactory(shipment=shipment, outcome="delivered", reason="", attempted_at=when, signed_by="Li Wei",
                           proof_photo_url="https://pod.example.com/1.jpg", latitude=31.2, longitude=121.5)
    return shipment


def test_dry_run_lists_and_counts_and_changes_nothing_then_the_run_erases_once(settings, agent):
    settings.PRIVACY_ANONYMIZE_AFTER_DAYS = 30
    old = _closed(40)
    returned = _closed(35, status="returned")
    recent = _closed(10)
    open_one = ShipmentFactory(status="in_transit", status_changed_at=timezone.now() - dt.timedelta(days=90))
    ShipmentChange.objects.create(shipment=old, kind="address_change", actor_kind="agent", actor=agent,
                                  before={"address": old.address, "city": "Shanghai", "postcode": "200120"},
                                  after={"address": "Neighbour, Flat 1202", "city": "Shanghai", "postcode": "200120"})
    OneTimeCode.objects.create(conversation=ConversationFactory(), shipment=old, phone=old.recipient_phone,
                               code_hash="x", expires_at=timezone.now())

    out = io.StringIO()
    call_command("anonymize_shipments", "--dry-run", stdout=out)
    report = out.getvalue()
    assert old.tracking_number in report and returned.tracking_number in report
    assert recent.tracking_number not in report and open_one.tracking_number not in report
    assert "shipments: 2" in report and "delivery attempts (signature, photo, GPS): 4" in report
    assert "shipment changes (old/new address): 1" in report and "one-time codes (phone): 1" in report
    assert "Dry run: nothing was changed." in report
    old.refresh_from_db()
    assert old.recipient_phone and old.address == "Flat 1201, 88 Lujiazui Ring Road" and not ShipmentAnonymization.objects.exists()
    assert AnonymizationRun.objects.get().dry_run is True

    run = shipments_anonymize(dry_run=False)
    assert run.counts == {"shipments": 2, "delivery_attempts": 4, "shipment_changes": 1, "one_time_codes": 1}
    for s in (old, returned):
        s.refresh_from_db()
        assert (s.recipient_name, s.recipient_phone, s.address, s.postcode, s.latitude) == ("", "", "", "", None)
        assert s.tracking_number and s.status in ("delivered", "returned") and s.station_id  # the parcel itself stays
    assert not DeliveryAttempt.objects.filter(shipment__in=[old, returned]).exclude(signed_by="", proof_photo_url="",
                                                                                    latitude=None).exists()
    assert DeliveryAttempt.objects.filter(shipment__in=[old, returned]).count() == 4  # rows kept, for the reports
    change = ShipmentChange.objects.get(shipment=old)
    assert change.after["address"] is None and change.before["address"] is None and change.kind == "address_change"
    assert not OneTimeCode.objects.exists()
    recent.refresh_from_db()
    assert recent.recipient_phone and recent.address  # not due yet

    again = shipments_anonymize(dry_run=False)
    assert again.counts == {"shipments": 0, "delivery_attempts": 0, "shipment_changes": 0, "one_time_codes": 0}
    assert ShipmentAnonymization.objects.count() == 2
    out = io.StringIO()
    call_command("anonymize_shipments", stdout=out)
    assert "shipments: 0" in out.getvalue()


def test_an_anonymized_shipment_cannot_be_unmasked(settings, supervisor):
    settings.PRIVACY_ANONYMIZE_AFTER_DAYS = 30
    old = _closed(40)
    shipments_anonymize(dry_run=False)
    with pytest.raises(ApplicationError) as refused:
        shipment_unmask(shipment=Shipment.objects.get(pk=old.pk), viewer=supervisor, reason="Customer dispute call")
    assert refused.value.code == "shipment_anonymized" and not UnmaskEvent.objects.exists()


def _report_totals(period: Period) -> dict:
    nps, complaints, sla = nps_report(period), complaints_report(period), sla_report(period)
    containment, failed = containment_report(period), failed_deliveries_report(period)
    return {
        "nps": (nps["total"], nps["score"], nps["promoters"], nps["detractors"], len(nps["comments"])),
        "complaints": (complaints["total"], complaints["by_category"], complaints["by_station"]),
        "sla": (sla["first_met"], sla["first_missed"], sla["resolution_met"], sla["resolution_missed"]),
        "containment": (containment["total"], containment["by_bot"], containment["handoff_reasons"]),
        "failed": (failed["total"], failed["disputed"], failed["by_reason"], failed["by_courier"]),
    }


def test_report_totals_are_the_same_before_and_after_anonymization(settings):
    call_command("seed_demo", shipments=150, verbosity=0)
    settings.PRIVACY_ANONYMIZE_AFTER_DAYS = 5  # the demo delivers over the last 20 days: most are due
    today = timezone.localdate()
    periods = [Period(start=today - dt.timedelta(days=60), end=today),
               Period(start=today - dt.timedelta(days=60), end=today, channel="sms"),
               Period(start=today - dt.timedelta(days=60), end=today, station="SHA1")]
    before = [_report_totals(p) for p in periods]
    assert before[0]["nps"][0] > 0 and before[0]["failed"][0] > 0 and before[0]["complaints"][0] > 0

    dry = shipments_anonymize(dry_run=True)
    assert dry.counts["shipments"] > 10
    run = shipments_anonymize(dry_run=False)
    assert run.counts == dry.counts  # the dry run said exactly what the run did
    assert ShipmentAnonymization.objects.count() == dry.counts["shipments"]
    assert [_report_totals(p) for p in periods] == before
    assert shipments_anonymize(dry_run=False).counts["shipments"] == 0
    assert [_report_totals(p) for p in periods] == before
