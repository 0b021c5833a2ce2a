"""Self-service fixtures: the demo fee table, service area and FAQ answers as staff would keep them."""
from __future__ import annotations

import pytest

from helpdesk.selfservice.demo import selfservice_demo_seed
from tests.factories import StationFactory


@pytest.fixture
def faq_data(db):
    """The fee table, areas and answers of seed_demo (with a Shanghai station so the area has a centre)."""
    StationFactory(code="SH01", city="Shanghai")
    selfservice_demo_seed()
