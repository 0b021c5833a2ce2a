"""Schemathesis on the self-service operations (and the manifest they extend) alone, with more examples than the
whole-schema run: generated weights, places, preferences and returns never get a server error."""
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from helpdesk.selfservice.demo import selfservice_demo_seed
from tests.api.test_schema_fuzz import _run, api_schema  # noqa: F401  (the fixture)


@pytest.fixture
def selfservice_schema(api_schema):  # noqa: F811
    selfservice_demo_seed()  # real zones, areas and answers for generated places to hit
    return api_schema


schema = schemathesis.pytest.from_fixture("selfservice_schema").include(
    path_regex=r"/bot/faq/|/preference/$|/return/$|/manifest/$")


@schema.parametrize()
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_self_service_operations_never_fail_with_a_server_error(case):
    _run(case, "test-helpdesk-token")
