"""Headless Debian Chromium driven by Python playwright against pytest-django's live server (never `playwright install`)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("BROWSER_SHOTS", "/tmp/browser-shots"))


@pytest.fixture
def chromium(django_db_setup, monkeypatch):
    """One browser per test. Playwright's sync API keeps an asyncio loop marked as running in this thread while it is
    open, which Django's async-safety guard takes for async code; the guard is lifted for this test only (the
    test body is plain synchronous code, and the live server answers from its own thread)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900},
                                   accept_downloads=True, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def no_rasa(monkeypatch):
    """Rasa is a separate process (covered by tests/e2e); here its pause/resume calls are only recorded."""
    from helpdesk.conversations import tasks

    calls = []
    monkeypatch.setattr(tasks.rasa_tracker_pause, "delay", lambda cid: calls.append(("pause", cid)))
    monkeypatch.setattr(tasks.rasa_tracker_resume, "delay", lambda cid: calls.append(("resume", cid)))
    return calls


def log_in(page, username: str, password: str = "pass-1234", next_url: str = "/inbox/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}**")
