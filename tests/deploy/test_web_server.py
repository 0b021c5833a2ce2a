"""The web server (`python -m helpdesk.config.web`): several uvicorn processes answer on one port -- pages, webhooks and
the web chat's socket -- and the server stops as a whole (for its supervisor to restart) when one of them dies."""
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
import pytest
import requests

from helpdesk.conversations.models import Conversation, Message
from integrations.standins.twilio import TwilioStandin
from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or "Z" in (Path(f"/proc/{pid}") / "stat").read_text().split()[2]


@pytest.fixture
def twilio():
    return TwilioStandin()  # its credentials and webhook shapes only; nothing is sent to it


@pytest.fixture
def web_server(transactional_db, twilio):
    """The server as the Procfile starts it, on the test database (the tests here see what it stored)."""
    from django.db import connection

    db = connection.settings_dict
    login = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test", "PYTHONUNBUFFERED": "1",
           "TEST_DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
           "CELERY_TASK_ALWAYS_EAGER": "0",  # the scheduled turns wait in Redis: no bot here
           "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
           "TWILIO_SMS_FROM": "+15017122661", "TWILIO_WHATSAPP_FROM": ""}
    server = subprocess.Popen([sys.executable, "-m", "helpdesk.config.web", "--port", str(port), "--processes", "2"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + 90
    while True:
        try:
            session.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except requests.RequestException:
            assert server.poll() is None and time.monotonic() < deadline, "the web server did not come up"
            time.sleep(0.5)
    yield server, port, session
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=60)


def test_two_processes_answer_on_one_port_and_stop_together(web_server):
    server, port, session = web_server
    processes = _children(server.pid)
    assert len(processes) == 2
    answers = [session.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(20)]
    assert set(answers) <= {200, 503}  # 503 names what is down (no Rasa here); either way the server answered
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    assert all(_gone(pid) for pid in processes)


def test_one_process_dying_stops_the_server_for_its_supervisor(web_server):
    server, port, _ = web_server
    first, second = _children(server.pid)
    os.kill(first, signal.SIGKILL)
    assert server.wait(timeout=60) != 0
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert _gone(second)


def test_signed_sms_webhooks_are_stored_once_and_forged_ones_refused(web_server, twilio):
    _, port, session = web_server
    url = f"http://127.0.0.1:{port}/webhooks/twilio/"
    params = twilio.inbound_params(from_="+447700900123", to="+15017122661", body="where is SF1234567890?")
    signature = compute_signature(auth_token=twilio.auth_token, url=url, params=params)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):  # Twilio retries when an answer was late
        answer = session.post(url, data=urlencode(params), headers={**form, SIGNATURE_HEADER: signature}, timeout=10)
        assert answer.status_code == 200 and answer.text.endswith("<Response></Response>")
    forged = {**params, "MessageSid": "SM" + "f" * 32, "Body": "forged"}
    refused = session.post(url, data=urlencode(forged), headers={**form, SIGNATURE_HEADER: signature}, timeout=10)
    assert refused.status_code == 403
    assert list(Message.objects.values_list("text", "external_id")) == [("where is SF1234567890?",
                                                                          params["MessageSid"])]


def test_the_web_chat_socket_works_through_the_server(web_server):
    """The widget's socket on /ws/webchat/: history on connect, the message acknowledged and stored, and a reply
    stored elsewhere (here: by the test, as the worker would) pushed to the open socket through the channel layer."""
    from helpdesk.conversations.messaging import bot_replies_store, conversation_outbound_flush

    _, port, _ = web_server
    origin = f"http://127.0.0.1:{port}"

    def reply():
        conversation = Conversation.objects.get(external_user_id="visitor-web-0001")
        bot_replies_store(conversation=conversation, replies=[{"text": "Hi! Send me your tracking number."}])
        conversation_outbound_flush(conversation_id=conversation.pk)

    async def chat():
        async with aiohttp.ClientSession() as client:
            async with client.ws_connect(f"ws://127.0.0.1:{port}/ws/webchat/?visitor=visitor-web-0001",
                                         headers={"Origin": origin}) as ws:
                assert (await ws.receive_json(timeout=20))["type"] == "history"
                await ws.send_json({"type": "message", "id": "m-000000001", "text": "hello"})
                assert await ws.receive_json(timeout=20) == {"type": "ack", "id": "m-000000001"}
                await asyncio.get_running_loop().run_in_executor(None, reply)
                pushed = await ws.receive_json(timeout=20)
                assert pushed["type"] == "message" and pushed["message"]["text"] == "Hi! Send me your tracking number."

    asyncio.run(chat())
    assert list(Message.objects.order_by("id").values_list("text", flat=True)) == [
        "hello", "Hi! Send me your tracking number."]


def test_the_url_configuration_is_loaded_before_the_first_request():
    """A web process imports its URLconf (views, DRF, drf-spectacular) at start-up, so its first webhook after a
    restart is answered as fast as the others instead of waiting for the imports."""
    probe = ("import sys, helpdesk.config.asgi; "
             "print(all(m in sys.modules for m in ('helpdesk.config.urls', 'integrations.twilio.views')))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"
