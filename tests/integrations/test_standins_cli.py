"""Each stand-in runs on its own (`python -m integrations.standins.<provider> --port N`) for dev and benchmarks."""
import pathlib
import socket
import subprocess
import sys

import pytest

from integrations.base import OutboundMessage
from integrations.twilio.client import TwilioSender
from integrations.wechat.client import WeChatSender

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run_standin():
    processes = []

    def run(module, *args):
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", module, "--port", str(port), *args], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line, line
        return f"http://127.0.0.1:{port}"

    yield run
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_twilio_standin_from_the_command_line(run_standin):
    sid = "AC" + "9" * 32
    url = run_standin("integrations.standins.twilio", "--account-sid", sid, "--auth-token", "cli-token")
    result = TwilioSender(sid, "cli-token", "+15017122661", "", api_base=url).send(
        OutboundMessage(channel="sms", to="+4915112345678", text="hi", idempotency_key="cli"))
    assert result.status == "queued"


def test_wechat_standin_from_the_command_line(run_standin):
    url = run_standin("integrations.standins.wechat", "--app-id", "wxcli", "--app-secret", "cli-secret")
    result = WeChatSender("wxcli", "cli-secret", api_base=url).send(
        OutboundMessage(channel="wechat", to="o1", text="hi", idempotency_key="cli"))
    assert result.status == "sent"
