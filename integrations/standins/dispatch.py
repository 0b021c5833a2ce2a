"""Stand-in for the carrier's dispatch system (TMS): receives the helpdesk's signed outbox pushes, and sends
signed courier scan events to the helpdesk.

Run it alone with `python -m integrations.standins.dispatch --port 8093 --secret ...` and point
DISPATCH_WEBHOOK_URL at `http://127.0.0.1:8093/outbox` (any path is accepted).

What a real consumer does, it does: checks `X-Dispatch-Signature` (HMAC-SHA256 of the raw body with the
shared secret; 401 when it does not match), keeps each event once by its `Idempotency-Key` (a repeat gets
200 and is counted as a duplicate), and checks per shipment that events arrive in order. Tests can make it
answer 503/429 for a while or for the next N requests.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time

import requests

from helpdesk.dispatch.verification import dispatch_signature, dispatch_signature_valid

from .server import StandinRequest, StandinResponse, StandinServer, serve_from_command_line

SIGNATURE_HEADER = "X-Dispatch-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclasses.dataclass(frozen=True)
class ReceivedEvent:
    """One outbox event dispatch accepted, in the order it arrived."""

    id: int
    kind: str
    tracking_number: str
    payload: dict
    created_at: str
    received_at: float  # time.time() when it arrived
    document: dict


class DispatchStandin(StandinServer):
    def __init__(self, secret: str = "standin-dispatch-secret", **kwargs):
        super().__init__(**kwargs)
        self.secret = secret
        self._received: list[ReceivedEvent] = []
        self._ids: set[str] = set()
        self._failures: list[int] = []
        self._fail_until = 0.0
        self._fail_status = 503
        self.requests_seen = 0
        self.duplicates = 0
        self.forged = 0
        self.out_of_order: list[tuple[str, int, int]] = []  # (tracking number, event id, after event id)
        self.arrived = threading.Condition(self.lock)
        self.latency = 0.0  # seconds each push takes to answer (a slow dispatch)
        self.max_in_flight = 0  # most pushes being answered at one time
        self.overlapping: list[str] = []  # tracking numbers that had two pushes in flight at once (order at risk)
        self._in_flight: dict[str, int] = {}

    # -- what tests arrange and inspect --------------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedEvent]:
        with self.lock:
            return list(self._received)

    def events_for(self, tracking_number: str) -> list[ReceivedEvent]:
        return [event for event in self.received if event.tracking_number == tracking_number]

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        """Answer the next `count` pushes with `status` (503, 500, 429 ...) and keep nothing."""
        with self.lock:
            self._failures.extend([status] * count)

    def fail_for(self, seconds: float, *, status: int = 503) -> None:
        """Answer every push with `status` for the next `seconds` (an outage)."""
        with self.lock:
            self._fail_until = time.monotonic() + seconds
            self._fail_status = status

    def recover(self) -> None:
        with self.lock:
            self._failures.clear()
            self._fail_until = 0.0

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until `count` distinct events have arrived (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self._received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True

    def reset(self) -> None:
        with self.lock:
            self._received.clear()
            self._ids.clear()
            self._failures.clear()
            self._fail_until = 0.0
            self.requests_seen = self.duplicates = self.forged = self.max_in_flight = 0
            self.out_of_order.clear()
            self.overlapping.clear()
            self._in_flight.clear()
            self.latency = 0.0

    # -- the push endpoint ------------------------------------------------------------------------------------

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.method != "POST":
            return StandinResponse(405, {"error": "method not allowed"})
        signature = request.headers.get(SIGNATURE_HEADER)
        if not dispatch_signature_valid(body=request.body, header=signature, secret=self.secret):
            with self.lock:
                self.forged += 1
            return StandinResponse(401, {"error": "signature does not match"})
        try:
            document = request.json()
            event_id = int(document["id"])
        except (ValueError, KeyError, TypeError):
            return StandinResponse(400, {"error": "not an outbox event"})
        key = request.headers.get(IDEMPOTENCY_HEADER) or str(event_id)
        tracking_number = document.get("tracking_number", "")
        with self.lock:
            if self._in_flight.get(tracking_number):
                self.overlapping.append(tracking_number)
            self._in_flight[tracking_number] = self._in_flight.get(tracking_number, 0) + 1
            self.max_in_flight = max(self.max_in_flight, sum(self._in_flight.values()))
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._accept(document, event_id, key)
        finally:
            with self.lock:
                self._in_flight[tracking_number] -= 1

    def _accept(self, document: dict, event_id: int, key: str) -> StandinResponse:
        with self.lock:
            self.requests_seen += 1
            if self._failures:
                return StandinResponse(self._failures.pop(0), {"error": "dispatch is unavailable"})
            if time.monotonic() < self._fail_until:
                return StandinResponse(self._fail_status, {"error": "dispatch is unavailable"})
            if key in self._ids:
                self.duplicates += 1
                return StandinResponse(200, {"status": "duplicate"})
            earlier = [e.id for e in self._received if e.tracking_number == document.get("tracking_number")]
            if earlier and max(earlier) > event_id:
                self.out_of_order.append((document.get("tracking_number"), event_id, max(earlier)))
            self._ids.add(key)
            self._received.append(ReceivedEvent(
                id=event_id, kind=document.get("kind", ""), tracking_number=document.get("tracking_number", ""),
                payload=document.get("payload") or {}, created_at=document.get("created_at", ""),
                received_at=time.time(), document=document,
            ))
            self.arrived.notify_all()
        return StandinResponse(200, {"status": "accepted"})

    # -- scan events dispatch sends to the helpdesk ----------------------------------------------------------

    def send_scans(self, url: str, events: list[dict], *, secret: str | None = None,
                   session: requests.Session | None = None) -> requests.Response:
        """POST a batch of courier scan events, signed as dispatch signs them, to the helpdesk's events URL."""
        body = json.dumps({"events": events}, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: dispatch_signature(body, self.secret if secret is None else secret)}
        return (session or self.webhook_session).post(url, data=body, headers=headers, timeout=120)

    # -- command line ------------------------------------------------------------------------------------------

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument("--secret", default="standin-dispatch-secret")

    @classmethod
    def from_arguments(cls, args) -> DispatchStandin:
        return cls(secret=args.secret, host=args.host, port=args.port)


if __name__ == "__main__":
    serve_from_command_line(DispatchStandin, "Stand-in for the carrier's dispatch system")
