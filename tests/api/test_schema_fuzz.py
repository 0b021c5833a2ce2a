"""Schemathesis against /api/schema/: generated requests to every operation never get a server error."""
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from tests.factories import (
    AgentFactory,
    ConversationFactory,
    DeliveryWindowFactory,
    PickupPointFactory,
    ShipmentFactory,
    business_hours_every_day,
)


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from helpdesk.config.wsgi import application

    # As Django's test client does: keep the test's transaction open across in-process WSGI requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    # Real rows that generated ids and tracking numbers can hit, besides the random misses.
    business_hours_every_day()
    shipment = ShipmentFactory(tracking_number="SF1000000001")
    DeliveryWindowFactory(station=shipment.station)
    PickupPointFactory(station=shipment.station)
    ConversationFactory(pk=1, verified_phone=shipment.recipient_phone)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def _run(case, token):
    from django.db import transaction

    # Each request gets its own savepoint, as each production request gets its own transaction.
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"


@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_as_the_bot(case):
    _run(case, "test-helpdesk-token")


@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_as_a_supervisor(case):
    supervisor = AgentFactory(profile__role="supervisor")
    _run(case, Token.objects.create(user=supervisor).key)
