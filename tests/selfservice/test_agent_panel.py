"""The agent's shipment panel shows the customer's delivery preference and returns (both ways)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.selfservice.services import delivery_preference_set, shipment_return_start
from helpdesk.shipments.models import ShipmentStatus
from helpdesk.shipments.services import Actor
from tests.factories import ConversationFactory, PickupPointFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def test_panel_shows_return_and_preference(agent, agent_client, team):
    delivered = ShipmentFactory(status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - dt.timedelta(days=1))
    waiting = ShipmentFactory()
    locker = PickupPointFactory(station=waiting.station, name="Century Park Locker")
    conversation = ConversationFactory(team=team)
    actor = Actor.customer(conversation)
    started = shipment_return_start(shipment=delivered, actor=actor, reason="damaged", method="pickup")
    delivery_preference_set(shipment=waiting, actor=actor, method="locker", pickup_point_id=locker.id,
                            time_slots=["morning"])
    conversation.shipments.add(delivered, waiting, started.return_shipment)
    page = agent_client.get(f"/inbox/c/{conversation.id}/").content.decode()
    rtn = started.return_shipment.tracking_number
    assert f"<strong>{rtn}</strong> Label created · Arrived damaged" in page
    assert f"Return of {delivered.tracking_number}" in page
    assert "Parcel locker · Century Park Locker · Morning 09:00–12:00" in page
