"""Shipment services: verification, one-time codes, reschedule, address change, redirect, audit + outbox."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict, Forbidden, RateLimited
from helpdesk.dispatch.models import OutboxEvent
from helpdesk.shipments import services
from helpdesk.shipments.models import OneTimeCode, ShipmentChange, ShipmentStatus
from helpdesk.shipments.services import Actor
from tests.factories import (
    AgentFactory,
    ConversationFactory,
    DeliveryWindowFactory,
    PickupPointFactory,
    ShipmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_codes(monkeypatch):
    """Capture the code the SMS would carry: the one place a test may read a secret the customer reads on their phone."""
    codes = []
    from helpdesk.shipments import tasks

    monkeypatch.setattr(tasks.one_time_code_send, "delay", lambda otp_id, code: codes.append(code))
    return codes


def _verified_conversation(shipment):
    return ConversationFactory(verified_phone=shipment.recipient_phone)


def test_channel_phone_matching_phone_on_file_verifies_at_once():
    shipment = ShipmentFactory(recipient_phone="+8613900000001")
    conversation = ConversationFactory(channel="sms", external_user_id="+8613900000001")
    assert services.shipment_verification_start(conversation=conversation, shipment=shipment) == {"verified": True}
    conversation.refresh_from_db()
    assert conversation.verified_phone == "+8613900000001"
    assert not OneTimeCode.objects.exists()


def test_one_time_code_sent_then_confirmed_unlocks_the_shipment(sent_codes, django_capture_on_commit_callbacks):
    shipment = ShipmentFactory(recipient_phone="+8613900000002")
    conversation = ConversationFactory(channel="webchat")
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.shipment_verification_start(conversation=conversation, shipment=shipment)
    assert answer["verified"] is False and answer["sent_to"].endswith("0002")
    assert len(sent_codes) == 1 and len(sent_codes[0]) == 6
    assert not services.conversation_is_verified_for(conversation=conversation, shipment=shipment)

    assert services.shipment_verification_confirm(conversation=conversation, shipment=shipment, code=sent_codes[0]) == {
        "verified": True
    }
    conversation.refresh_from_db()
    assert services.conversation_is_verified_for(conversation=conversation, shipment=shipment)
    assert ShipmentChange.objects.filter(shipment=shipment, kind="verified").count() == 1


def test_wrong_codes_count_down_then_lock(sent_codes, django_capture_on_commit_callbacks, settings):
    settings.OTP_MAX_ATTEMPTS = 3
    shipment = ShipmentFactory()
    conversation = ConversationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_verification_start(conversation=conversation, shipment=shipment)
    wrong = "000000" if sent_codes[0] != "000000" else "111111"
    lefts = []
    for _ in range(2):
        with pytest.raises(ApplicationError) as err:
            services.shipment_verification_confirm(conversation=conversation, shipment=shipment, code=wrong)
        assert err.value.code == "otp_invalid"
        lefts.append(err.value.extra["attempts_left"])
    assert lefts == [2, 1]
    with pytest.raises(ApplicationError) as err:
        services.shipment_verification_confirm(conversation=conversation, shipment=shipment, code=wrong)
    assert err.value.code == "otp_locked"
    # Even the right code is refused once locked.
    with pytest.raises(ApplicationError) as err:
        services.shipment_verification_confirm(conversation=conversation, shipment=shipment, code=sent_codes[0])
    assert err.value.code == "otp_locked"
    conversation.refresh_from_db()
    assert conversation.verified_phone == ""


def test_expired_code_is_refused(sent_codes, django_capture_on_commit_callbacks):
    shipment = ShipmentFactory()
    conversation = ConversationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_verification_start(conversation=conversation, shipment=shipment)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ApplicationError) as err:
        services.shipment_verification_confirm(conversation=conversation, shipment=shipment, code=sent_codes[0])
    assert err.value.code == "otp_expired"


def test_codes_per_phone_are_limited_per_hour(sent_codes, settings):
    settings.OTP_MAX_SENDS_PER_HOUR = 2
    shipment = ShipmentFactory()
    for _ in range(2):
        services.shipment_verification_start(conversation=ConversationFactory(), shipment=shipment)
    with pytest.raises(RateLimited) as err:
        services.shipment_verification_start(conversation=ConversationFactory(), shipment=shipment)
    assert err.value.code == "otp_too_many_requests"


def test_tracking_lookups_are_rate_limited_per_sender():
    conversation = ConversationFactory()
    for _ in range(services.TRACKING_LOOKUPS_PER_WINDOW):
        services.tracking_lookup_register(conversation=conversation)
    with pytest.raises(RateLimited):
        services.tracking_lookup_register(conversation=conversation)
    services.tracking_lookup_register(conversation=ConversationFactory())  # another sender is unaffected


def test_reschedule_moves_booking_and_writes_audit_and_outbox_together():
    shipment = ShipmentFactory()
    old = DeliveryWindowFactory(station=shipment.station, booked=1)
    shipment.delivery_window = old
    shipment.save()
    new = DeliveryWindowFactory(station=shipment.station, date=old.date + dt.timedelta(days=1), capacity=2)
    conversation = _verified_conversation(shipment)

    services.shipment_reschedule(shipment=shipment, window_id=new.id, actor=Actor.customer(conversation))

    shipment.refresh_from_db(); old.refresh_from_db(); new.refresh_from_db()
    assert shipment.delivery_window_id == new.id and shipment.eta == new.date
    assert (old.booked, new.booked) == (0, 1)
    change = ShipmentChange.objects.get(shipment=shipment, kind="reschedule")
    assert change.actor_kind == "customer" and change.channel == "webchat" and change.conversation == conversation
    assert change.before["delivery_window"]["id"] == old.id and change.after["delivery_window"]["id"] == new.id
    event = OutboxEvent.objects.get(shipment=shipment)
    assert event.kind == "shipment.rescheduled" and event.payload["window"]["id"] == new.id


def test_reschedule_only_into_a_window_with_capacity():
    shipment = ShipmentFactory()
    full = DeliveryWindowFactory(station=shipment.station, capacity=1, booked=1)
    with pytest.raises(ApplicationError) as err:
        services.shipment_reschedule(shipment=shipment, window_id=full.id, actor=Actor.customer(_verified_conversation(shipment)))
    assert err.value.code == "window_full"
    assert not ShipmentChange.objects.exists() and not OutboxEvent.objects.exists()


def test_reschedule_refuses_another_stations_window_and_unverified_customers():
    shipment = ShipmentFactory()
    elsewhere = DeliveryWindowFactory()
    with pytest.raises(ApplicationError) as err:
        services.shipment_reschedule(shipment=shipment, window_id=elsewhere.id, actor=Actor.customer(_verified_conversation(shipment)))
    assert err.value.code == "window_not_found"
    mine = DeliveryWindowFactory(station=shipment.station)
    with pytest.raises(Forbidden):
        services.shipment_reschedule(shipment=shipment, window_id=mine.id, actor=Actor.customer(ConversationFactory()))


def test_last_place_in_a_window_goes_to_one_shipment_only():
    window = DeliveryWindowFactory(capacity=1)
    first = ShipmentFactory(station=window.station)
    second = ShipmentFactory(station=window.station)
    services.shipment_reschedule(shipment=first, window_id=window.id, actor=Actor.customer(_verified_conversation(first)))
    with pytest.raises(ApplicationError):
        services.shipment_reschedule(shipment=second, window_id=window.id, actor=Actor.customer(_verified_conversation(second)))
    window.refresh_from_db()
    assert window.booked == 1


@pytest.mark.parametrize("status", [ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED])
def test_address_change_refused_once_out_for_delivery(status):
    shipment = ShipmentFactory(status=status)
    with pytest.raises(Conflict) as err:
        services.shipment_address_change(
            shipment=shipment, address="5 New Street, Building 2", actor=Actor.customer(_verified_conversation(shipment))
        )
    assert err.value.code == "shipment_not_changeable"
    shipment.refresh_from_db()
    assert shipment.address == "Flat 1201, 88 Lujiazui Ring Road"
    assert not OutboxEvent.objects.exists()


def test_address_change_needs_verification_but_not_for_agents():
    shipment = ShipmentFactory()
    with pytest.raises(Forbidden) as err:
        services.shipment_address_change(shipment=shipment, address="9 Other Road, Flat 3", actor=Actor.customer(ConversationFactory()))
    assert err.value.code == "verification_required"
    agent = AgentFactory()
    services.shipment_address_change(shipment=shipment, address="9 Other Road, Flat 3", actor=Actor.agent(agent))
    shipment.refresh_from_db()
    assert shipment.address == "9 Other Road, Flat 3"
    change = ShipmentChange.objects.get(kind="address_change")
    assert change.actor == agent and change.before["address"] == "Flat 1201, 88 Lujiazui Ring Road"
    assert OutboxEvent.objects.get().payload["after"]["address"] == "9 Other Road, Flat 3"


def test_redirect_to_locker_takes_a_compartment_and_frees_the_previous_one():
    shipment = ShipmentFactory()
    first = PickupPointFactory(station=shipment.station, capacity=1)
    second = PickupPointFactory(station=shipment.station, capacity=5)
    actor = Actor.customer(_verified_conversation(shipment))
    services.shipment_redirect(shipment=shipment, pickup_point_id=first.id, actor=actor)
    services.shipment_redirect(shipment=shipment, pickup_point_id=second.id, actor=actor)
    first.refresh_from_db(); second.refresh_from_db(); shipment.refresh_from_db()
    assert (first.occupied, second.occupied) == (0, 1)
    assert shipment.pickup_point == second
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == ["shipment.redirected", "shipment.redirected"]


def test_redirect_to_full_locker_refused():
    shipment = ShipmentFactory()
    full = PickupPointFactory(station=shipment.station, capacity=1, occupied=1)
    with pytest.raises(ApplicationError) as err:
        services.shipment_redirect(shipment=shipment, pickup_point_id=full.id, actor=Actor.customer(_verified_conversation(shipment)))
    assert err.value.code == "pickup_point_full"


def test_change_and_audit_roll_back_together_when_outbox_write_fails(monkeypatch):
    """Atomicity: if the dispatch event cannot be written, neither the change nor its audit entry stays."""
    shipment = ShipmentFactory()
    window = DeliveryWindowFactory(station=shipment.station)

    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(services, "outbox_event_record", broken)
    with pytest.raises(RuntimeError):
        services.shipment_reschedule(shipment=shipment, window_id=window.id, actor=Actor.customer(_verified_conversation(shipment)))
    shipment.refresh_from_db(); window.refresh_from_db()
    assert shipment.delivery_window_id is None and window.booked == 0
    assert not ShipmentChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outbox_refuses_writes_outside_a_transaction():
    from helpdesk.dispatch.services import outbox_event_record

    with pytest.raises(RuntimeError):
        outbox_event_record(shipment=ShipmentFactory(), kind="shipment.rescheduled", payload={})
