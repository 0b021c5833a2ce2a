"""Fixtures for the channel adapter tests: provider stand-ins, a webhook receiver, recorded payloads.

These tests need neither Django nor Redis: run them with `pytest -p no:django tests/integrations`
(with `--confcutdir=tests/integrations` as long as tests/conftest.py imports DRF at module level)
or as part of the whole suite.
"""
from __future__ import annotations

import pathlib
import threading
from urllib.parse import parse_qs

import pytest

from integrations.standins.server import StandinRequest, StandinResponse, StandinServer
from integrations.standins.twilio import TwilioStandin
from integrations.standins.wechat import WeChatStandin

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Replaces the suite's cache-clearing fixture: adapters keep no state in Django's cache."""
    yield


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_form(name: str) -> dict[str, str]:
    """A recorded x-www-form-urlencoded webhook body, one value per field as Twilio sends it."""
    return {key: values[0] for key, values in parse_qs(fixture_text(name), keep_blank_values=True).items()}


class WebhookReceiver(StandinServer):
    """Plays the helpdesk's webhook endpoint: records each request and answers like the real view would."""

    def __init__(self):
        super().__init__()
        self.requests: list[StandinRequest] = []
        self.received = threading.Event()
        self.answer = StandinResponse(200, "<Response/>", content_type="text/xml")

    def handle(self, request: StandinRequest) -> StandinResponse:
        with self.lock:
            self.requests.append(request)
        self.received.set()
        return self.answer


@pytest.fixture(scope="session")
def _twilio_server():
    with TwilioStandin(account_sid="AC" + "a1" * 16, auth_token="twilio-test-auth-token") as server:
        yield server


@pytest.fixture
def twilio_standin(_twilio_server):
    _twilio_server.reset()
    return _twilio_server


@pytest.fixture(scope="session")
def _wechat_server():
    with WeChatStandin(app_id="wx1234567890abcdef", app_secret="wechat-test-secret", token="wechat-test-token") as server:
        yield server


@pytest.fixture
def wechat_standin(_wechat_server):
    _wechat_server.reset()
    _wechat_server.token_expires_in = 7200
    return _wechat_server


@pytest.fixture
def webhook_receiver():
    with WebhookReceiver() as receiver:
        yield receiver
