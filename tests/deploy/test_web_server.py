"""The web server (`python -m helpdesk.config.web`): several daphne processes answer on one port, and the server
stops as a whole (for its supervisor to restart) when one of them dies."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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


@pytest.fixture
def web_server():
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.config.settings.test", "PYTHONUNBUFFERED": "1"}
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


def test_two_daphne_processes_answer_on_one_port(web_server):
    server, port, session = web_server
    daphnes = _children(server.pid)
    assert len(daphnes) == 2
    answers = [session.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(20)]
    assert set(answers) <= {200, 503}  # 503 names what is down; either way a daphne process answered
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() and "Z" not in (Path(f"/proc/{pid}") / "stat").read_text().split()[2]
                   for pid in daphnes)


def test_one_process_dying_stops_the_server_for_its_supervisor(web_server):
    server, port, _ = web_server
    first, second = _children(server.pid)
    os.kill(first, signal.SIGKILL)
    assert server.wait(timeout=60) != 0
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert not Path(f"/proc/{second}").exists() or "Z" in (Path(f"/proc/{second}") / "stat").read_text().split()[2]
