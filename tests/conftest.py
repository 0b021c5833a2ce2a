"""Fixtures shared by the whole suite."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import AgentFactory, TeamFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # rate-limit counters live in Redis; each test starts from zero
    yield


@pytest.fixture
def team(db):
    return TeamFactory(slug="shanghai", name="Shanghai", languages=["en", "zh-hans"])


@pytest.fixture
def agent(team):
    return AgentFactory(username="alice", profile__team=team)


@pytest.fixture
def supervisor(db):
    return AgentFactory(username="sam", profile__role="supervisor")


@pytest.fixture
def agent_client(agent):
    client = APIClient()
    client.force_login(agent)
    return client


@pytest.fixture
def supervisor_client(supervisor):
    client = APIClient()
    client.force_login(supervisor)
    return client


@pytest.fixture
def bot_client(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token test-helpdesk-token")
    return client
