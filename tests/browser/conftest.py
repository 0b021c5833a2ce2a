"""Headless Debian Chromium driven by Python playwright (never `playwright install`) against the helpdesk as it runs in
production: daphne serving the ASGI application (HTTP and Channels web sockets on the Redis channel layer) and a real
Celery worker, both in subprocesses on the test database, with the Twilio stand-in as the customers' phones and a
stand-in Rasa as the bot. Started once per session; each test gets clean tables."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from integrations.standins.twilio import TwilioStandin
from integrations.standins.wechat import WeChatStandin
from tests.dispatch.conftest import RasaStandin
from tests.e2e.conftest import Processes, free_port, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("BROWSER_SHOTS", "/tmp/browser-shots"))
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"
RASA_TOKEN = "test-rasa-token"


@pytest.fixture(scope="session")
def phones():
    """The Twilio stand-in: customers' SMS and WhatsApp messages come from it, the helpdesk's replies land in it."""
    with TwilioStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def wechat_api():
    """The WeChat stand-in: the Official Account API the helpdesk's WeChat replies and template messages go to."""
    with WeChatStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def bot():
    """A stand-in Rasa: answers each customer turn with `bot.reply`, records tracker pause/resume."""
    with RasaStandin(token=RASA_TOKEN) as standin:
        yield standin


# Package scope: the worker must stop when the browser tests end, or it would take the Celery tasks of the
# transactional tests that run after them in the same pytest session (same broker).
@pytest.fixture(scope="package")
def helpdesk_server(django_db_setup, django_db_blocker, phones, bot, wechat_api):
    """daphne (ASGI: pages, REST API, webhooks, /ws/agent/) and a Celery worker on the test database."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    env = {
        "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test",
        "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "RASA_URL": bot.url, "RASA_TOKEN": RASA_TOKEN,
        "TWILIO_ACCOUNT_SID": phones.account_sid, "TWILIO_AUTH_TOKEN": phones.auth_token,
        "TWILIO_API_BASE": phones.url, "TWILIO_SMS_FROM": SMS_NUMBER, "TWILIO_WHATSAPP_FROM": WA_NUMBER,
        "WECHAT_TOKEN": wechat_api.token, "WECHAT_APP_ID": wechat_api.app_id,
        "WECHAT_APP_SECRET": wechat_api.app_secret, "WECHAT_AES_KEY": wechat_api.aes_key,
        "WECHAT_API_BASE": wechat_api.url,
        "PYTHONUNBUFFERED": "1", "DJANGO_ALLOW_ASYNC_UNSAFE": "",  # the servers keep Django's async-safety guard
    }
    processes = Processes()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        web, web_log = processes.start("daphne", [
            str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
            "tests.browser.asgi:application"], env)
        worker, worker_log = processes.start("worker", [
            sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "--loglevel", "INFO",
            "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"browser-{os.getpid()}@%h"], env)
        wait_for(f"{url}/accounts/login/", "daphne", web, web_log, timeout=90)
        deadline = time.monotonic() + 90
        while "ready" not in worker_log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{worker_log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield url
    finally:
        processes.stop()


@pytest.fixture
def helpdesk(helpdesk_server, transactional_db, phones, bot, wechat_api):
    """Per test: clean tables (committed, so the server processes see them), empty stand-ins and queue."""
    from helpdesk.config.celery import app

    phones.reset()
    wechat_api.reset()
    with bot._lock:
        bot.turns.clear()
        bot.tracker_events.clear()
        bot.trackers.clear()
        bot.triggers.clear()
    bot.reply = "Which day suits you? Reply with a number."
    app.control.purge()
    return helpdesk_server


# Package scope: Playwright's loop must be gone before the async tests that run after the browser tests.
@pytest.fixture(scope="package")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an asyncio loop marked as running in this thread while it is open, which Django's
    # async-safety guard takes for async code; the test bodies and fixtures are plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_context(chromium, helpdesk):
    """New browser windows (each its own cookies, i.e. its own logged-in user) on the helpdesk."""
    contexts = []

    def open_context(*, locale: str = "en-GB", width: int = 1400, height: int = 900, mobile: bool = False):
        context = chromium.new_context(base_url=helpdesk, viewport={"width": width, "height": height},
                                       accept_downloads=True, locale=locale, is_mobile=mobile, has_touch=mobile,
                                       device_scale_factor=1)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_context):
    return browser_context().new_page()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    return take


def log_in(page, username: str, password: str = "pass-1234", next_url: str = "/inbox/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}**")


def eventually(check, *, timeout: float = 10.0, what: str = "the condition"):
    """Poll a server-side fact (what a stand-in received, what was stored) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def customer_texts(phones: TwilioStandin, base_url: str, *, from_: str, body: str) -> None:
    """The customer's SMS reaches the helpdesk as Twilio delivers it: a signed webhook."""
    response = phones.send_inbound(f"{base_url}/webhooks/twilio/", from_=from_, to=SMS_NUMBER, body=body)
    assert response.status_code == 200, response.text


__all__ = ["customer_texts", "eventually", "log_in", "requests"]
