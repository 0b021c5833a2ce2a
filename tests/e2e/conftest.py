"""End-to-end: the real Rasa server and action server (bot/ venv), a real Celery worker on Redis,
the helpdesk on a live server, and the Twilio stand-in as the customer's phone network.

Processes are started once per session; each test gets clean tables (transactional) and
talks to the bot over SMS exactly as a customer does.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from integrations.standins.twilio import TwilioStandin
from integrations.standins.wechat import WeChatStandin

ROOT = Path(__file__).resolve().parents[2]
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"
RASA_TOKEN = "test-rasa-token"
HELPDESK_TOKEN = "test-helpdesk-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, what: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s:\n{log.read_text()[-4000:]}")


class Processes:
    def __init__(self):
        self.running: list[tuple[str, subprocess.Popen, Path]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="parceldesk-e2e-"))

    def start(self, name: str, args: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=log.open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((name, process, log))
        return process, log

    def stop(self) -> None:
        for _, process, _ in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for _, process, _ in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


@pytest.fixture(scope="session")
def bot_model():
    if os.environ.get("PARCELDESK_SKIP_BOT_TESTS"):
        pytest.skip("PARCELDESK_SKIP_BOT_TESTS is set (make test-helpdesk): no Rasa end-to-end tests")
    if os.environ.get("RASA_MODEL"):
        return os.environ["RASA_MODEL"]  # a model you trained yourself (bot/scripts/rasa.sh honours it too)
    result = subprocess.run(["bash", "bot/scripts/train.sh"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"bot/scripts/train.sh failed:\n{result.stderr[-4000:]}")
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def sms_network():
    with TwilioStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def wechat_network():
    with WeChatStandin() as standin:
        yield standin


# Package scope: its Celery worker stops with the end-to-end tests instead of taking later tests' tasks.
@pytest.fixture(scope="package")
def stack(bot_model, django_db_setup, live_server, sms_network, wechat_network, django_db_blocker):
    """Rasa (5005-like), actions (5055-like) and a Celery worker, wired to the live helpdesk."""
    processes = Processes()
    rasa_port, actions_port = free_port(), free_port()
    endpoints = processes.logs / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]  # the test database pytest-django created
    twilio_env = {
        "TWILIO_ACCOUNT_SID": sms_network.account_sid, "TWILIO_AUTH_TOKEN": sms_network.auth_token,
        "TWILIO_API_BASE": sms_network.url, "TWILIO_SMS_FROM": SMS_NUMBER, "TWILIO_WHATSAPP_FROM": WA_NUMBER,
        "TWILIO_STATUS_CALLBACK_URL": f"{live_server.url}/webhooks/twilio/status/",
    }
    wechat_env = {"WECHAT_TOKEN": wechat_network.token, "WECHAT_APP_ID": wechat_network.app_id,
                  "WECHAT_APP_SECRET": wechat_network.app_secret, "WECHAT_AES_KEY": wechat_network.aes_key,
                  "WECHAT_API_BASE": wechat_network.url}
    try:
        actions, actions_log = processes.start("actions", ["bash", "bot/scripts/actions.sh"], {
            "ACTIONS_PORT": str(actions_port), "HELPDESK_URL": live_server.url, "HELPDESK_API_TOKEN": HELPDESK_TOKEN})
        rasa, rasa_log = processes.start("rasa", ["bash", "bot/scripts/rasa.sh"], {
            "RASA_PORT": str(rasa_port), "RASA_TOKEN": RASA_TOKEN, "RASA_ENDPOINTS": str(endpoints)})
        worker, worker_log = processes.start("worker", [
            sys.executable, "-m", "celery", "-A", "helpdesk.config", "worker", "--loglevel", "INFO",
            "--concurrency", "2", "--without-gossip", "--without-mingle", "--hostname", f"e2e-{os.getpid()}@%h"], {
            "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "RASA_URL": rasa_url, "RASA_TOKEN": RASA_TOKEN, **twilio_env, **wechat_env,
        })
        wait_for(f"http://127.0.0.1:{actions_port}/health", "the action server", actions, actions_log)
        # loading the model takes 1 minute on an idle machine, several on a busy shared one
        wait_for(f"{rasa_url}/status?token={RASA_TOKEN}", "the Rasa server", rasa, rasa_log, timeout=600)
        deadline = time.monotonic() + 60
        while "ready" not in worker_log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{worker_log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield {"rasa_url": rasa_url, "twilio": twilio_env, "wechat": wechat_env, "logs": processes.logs,
               "processes": processes}  # fault tests stop, restart and kill these
    finally:
        processes.stop()


@pytest.fixture
def e2e(stack, settings, sms_network, transactional_db):
    """Per test: the live server enqueues to the real worker instead of running tasks inline."""
    from helpdesk.config.celery import app

    sms_network.reset()
    settings.RASA_URL = stack["rasa_url"]
    settings.RASA_TOKEN = RASA_TOKEN
    settings.TWILIO = {"account_sid": sms_network.account_sid, "auth_token": sms_network.auth_token,
                       "api_base": sms_network.url, "from_sms": SMS_NUMBER, "from_whatsapp": ""}
    app.control.purge()
    # Settings come from Django with the CELERY_ namespace, so that is the key to override.
    eager = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    assert app.conf.task_always_eager is False
    yield stack
    app.conf.CELERY_TASK_ALWAYS_EAGER = eager
