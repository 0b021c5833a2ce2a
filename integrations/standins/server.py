"""The threaded HTTP server every provider stand-in runs on (127.0.0.1, a free port, a background thread)."""
from __future__ import annotations

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests


class StandinRequest:
    """What a stand-in route sees of one request."""

    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes):
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.body = body

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class StandinResponse:
    def __init__(self, status: int, body: bytes | str | dict | list = b"", content_type: str = "application/json",
                 headers: dict[str, str] | None = None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = headers or {}


class StandinServer:
    """Base for a provider stand-in: subclasses implement `handle(request) -> StandinResponse`.

    Use as a context manager (`with TwilioStandin() as twilio: ... twilio.url`) or call
    `start()` / `stop()`. Port 0 picks a free port; `url` is where it listens.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.RLock()
        # Webhooks the stand-in sends go straight to the given URL, never through an environment proxy.
        self.webhook_session = requests.Session()
        self.webhook_session.trust_env = False

    def handle(self, request: StandinRequest) -> StandinResponse:
        raise NotImplementedError

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("stand-in is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandinServer:
        if self._httpd is not None:
            return self
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without TCP_NODELAY, Nagle and the client's delayed ACK
            # hold every keep-alive response back by ~40 ms.
            disable_nagle_algorithm = True

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    response = standin.handle(StandinRequest(self, body))
                except Exception as exc:  # a bug in the stand-in must show up as a 500, not a hang
                    response = StandinResponse(500, {"error": f"stand-in error: {exc!r}"})
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format, *args):  # noqa: A002 - quiet in tests
                pass

        self._httpd = ThreadingHTTPServer((self._host, self._port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None
        self.webhook_session.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def serve_from_command_line(standin_class, description: str) -> None:
    """`python -m integrations.standins.<provider> --port N`: run until interrupted."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    standin_class.add_arguments(parser)
    args = parser.parse_args()
    standin = standin_class.from_arguments(args)
    standin.start()
    print(f"{type(standin).__name__} listening on {standin.url}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
