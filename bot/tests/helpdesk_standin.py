"""A stand-in for the helpdesk's bot API (docs/bot-api.md) on a real local HTTP server.

Same paths, `Authorization: Token …` header, JSON shapes and status codes as the helpdesk;
it keeps a little state (shipments, one-time codes, delivery windows with capacity, pickup
points, tickets, the agents' queue, NPS answers) and records every request it got, so tests
can assert what reached the helpdesk. `fail(path_regex, status, body)` or
`fail(path_regex, delay=…)` makes matching requests fail (5xx) or hang (timeouts).

Also used by bench/nlu (full-turn latency through the action server): run it as a script,
`python -m tests.helpdesk_standin PORT TOKEN`, and it serves the demo state until killed.
"""
from __future__ import annotations

import copy
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

PREFIX = "/api/v1/bot/conversations/"
URGENT = {"lost", "damaged", "fake_attempt"}
CATEGORIES = {"late", "damaged", "lost", "courier_conduct", "fake_attempt", "other"}
LANGUAGES = {"en", "zh-hans", "zh-hant", "ru"}
STATUS_LABELS = {
    "en": {"in_transit": "In transit", "out_for_delivery": "Out for delivery", "delivered": "Delivered",
           "at_station": "At the delivery station", "delivery_failed": "Delivery attempt failed"},
    "zh-hans": {"in_transit": "运输中", "out_for_delivery": "派送中", "delivered": "已签收",
                "at_station": "已到达派送站", "delivery_failed": "派送未成功"},
    "zh-hant": {"in_transit": "運送中", "out_for_delivery": "派送中", "delivered": "已簽收",
                "at_station": "已到達派送站", "delivery_failed": "派送未成功"},
    "ru": {"in_transit": "В пути", "out_for_delivery": "Передана курьеру", "delivered": "Вручена",
           "at_station": "На пункте доставки", "delivery_failed": "Не удалось доставить"},
}


def shipment_view(tracking_number: str, status: str = "in_transit", **extra: Any) -> Dict[str, Any]:
    """A ShipmentView as the helpdesk sends it (unmasked, verified unless told otherwise)."""
    view = {
        "tracking_number": tracking_number,
        "verified": True,
        "masked": False,
        "status": status,
        "status_label": STATUS_LABELS["en"].get(status, status),
        "last_event": {"at": "2026-11-23T08:10:00+08:00", "description": "Arrived at Shanghai Pudong station",
                       "location": "Shanghai"},
        "eta": "2026-11-24",
        "promised_window": {"date": "2026-11-24", "start": "09:00", "end": "12:00"},
        "recipient_name": "Wei Li",
        "address": "88 Century Avenue, Pudong, Shanghai",
        "proof_of_delivery": None,
        "can_change": status not in ("out_for_delivery", "delivered", "returned"),
        "phone_hint": "•••• 1234",
    }
    if status == "delivered":
        view["proof_of_delivery"] = {"delivered_at": "2026-11-22T15:42:00+08:00",
                                     "photo_url": "https://pod.example/SF1.jpg", "signed_by": "W. Li",
                                     "method": "signature"}
    view.update(extra)
    return view


@dataclass
class Request:
    method: str
    path: str
    headers: Dict[str, str]
    body: Any

    @property
    def conversation(self) -> str:
        return self.path[len(PREFIX):].split("/", 1)[0]

    @property
    def endpoint(self) -> str:
        """The path after the conversation id, e.g. `shipments/SF1/verification/confirm/`."""
        return self.path[len(PREFIX):].split("/", 1)[1]


@dataclass
class State:
    token: str = "test-helpdesk-token"
    shipments: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # tracking number -> ShipmentView
    customer_shipments: List[str] = field(default_factory=list)         # what GET …/shipments/ lists
    phone_matches: bool = False          # the channel phone is the phone on file: verified without a code
    otp_code: str = "482913"
    otp_attempts_left: int = 3
    otp_expired: bool = False
    otp_sends: int = 0
    otp_send_limit: int = 5
    verified: set = field(default_factory=set)  # tracking numbers this conversation proved
    windows: List[Dict[str, Any]] = field(default_factory=list)
    pickup_points: List[Dict[str, Any]] = field(default_factory=list)
    tickets: int = 122
    queue: int = 2
    open_now: bool = True
    business_hours: str = "Mon–Sat 08:00–20:00"
    language: Dict[str, str] = field(default_factory=dict)
    nps: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    lookups_left: int = 1000             # tracking look-ups before 429 rate_limited
    require_verification: bool = True


def demo_state(token: str = "test-helpdesk-token") -> State:
    state = State(token=token)
    state.shipments = {
        "SF1234567890123": shipment_view("SF1234567890123"),
        "YT9876543210": shipment_view("YT9876543210", "at_station"),
        "RR123456789CN": shipment_view("RR123456789CN", "out_for_delivery"),
        "JD0088776655": shipment_view("JD0088776655", "delivered"),
    }
    state.customer_shipments = ["SF1234567890123"]
    state.windows = [
        {"id": 17, "date": "2026-11-25", "start": "09:00", "end": "12:00", "label": "Wed 25 Nov, 09:00–12:00",
         "remaining": 12},
        {"id": 18, "date": "2026-11-25", "start": "18:00", "end": "21:00", "label": "Wed 25 Nov, 18:00–21:00",
         "remaining": 1},
        {"id": 19, "date": "2026-11-26", "start": "09:00", "end": "12:00", "label": "Thu 26 Nov, 09:00–12:00",
         "remaining": 0},
    ]
    state.pickup_points = [
        {"id": 3, "kind": "locker", "name": "Locker Century Ave", "address": "100 Century Avenue",
         "opening_hours": "24/7", "distance_km": 0.4, "available": True},
        {"id": 4, "kind": "station", "name": "Pudong Station", "address": "12 Zhangyang Road",
         "opening_hours": "08:00–20:00", "distance_km": 1.2, "available": True},
        {"id": 5, "kind": "locker", "name": "Locker Metro Exit 2", "address": "Lujiazui Metro",
         "opening_hours": "24/7", "distance_km": 0.9, "available": False},
    ]
    return state


class HelpdeskStandin:
    """Start with `with HelpdeskStandin() as helpdesk:`; `helpdesk.url` is the base URL."""

    def __init__(self, state: Optional[State] = None, port: int = 0):
        self.state = state or demo_state()
        self.requests: List[Request] = []
        self.failures: List[Tuple[re.Pattern, Optional[int], Any, float]] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                request = Request(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, payload = standin.handle(request)
                data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    if payload is not None:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "HelpdeskStandin":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # What tests look at -------------------------------------------------------
    def fail(self, path_regex: str, status: Optional[int] = 503, body: Any = None, delay: float = 0.0) -> None:
        """Requests whose path matches answer `status` with `body` (after `delay` seconds)."""
        self.failures.append((re.compile(path_regex), status, body, delay))

    def calls(self, endpoint_regex: str = "") -> List[Request]:
        with self._lock:
            return [r for r in self.requests if re.search(endpoint_regex, r.endpoint)]

    def endpoints(self) -> List[str]:
        with self._lock:
            return [f"{r.method} {r.endpoint}" for r in self.requests]

    # The API ------------------------------------------------------------------
    def handle(self, request: Request) -> Tuple[int, Any]:
        with self._lock:
            self.requests.append(request)
        if not request.path.startswith(PREFIX) or request.path.count("/") < 6:
            return 404, {"code": "not_found", "detail": "Not found."}
        if request.headers.get("authorization") != f"Token {self.state.token}":
            return 401, {"code": "not_authenticated", "detail": "Invalid token."}
        for pattern, status, body, delay in self.failures:
            if pattern.search(request.path):
                if delay:
                    time.sleep(delay)
                if status is not None:
                    return status, body if body is not None else {"code": "server_error", "detail": "Server Error"}
        conversation, _, rest = request.path[len(PREFIX):].partition("/")
        if not conversation.isdigit():
            return 404, {"code": "conversation_not_found", "detail": "No such conversation."}
        with self._lock:
            return self._route(conversation, request.method, rest, request.body if isinstance(request.body, dict) else {})

    def _error(self, status: int, code: str, **extra: Any) -> Tuple[int, Any]:
        return status, {"code": code, "detail": code.replace("_", " ").capitalize() + ".", **extra}

    def _view(self, conversation: str, tracking_number: str) -> Dict[str, Any]:
        view = copy.deepcopy(self.state.shipments[tracking_number])
        language = self.state.language.get(conversation, "en")
        view["status_label"] = STATUS_LABELS[language].get(view["status"], view["status_label"])
        if self.state.require_verification and not (self.state.phone_matches or tracking_number in self.state.verified):
            view.update(verified=False, masked=True, recipient_name="W** L*", address=None, proof_of_delivery=None)
        return view

    def _route(self, conversation: str, method: str, path: str, body: Dict[str, Any]) -> Tuple[int, Any]:
        state = self.state
        if method == "GET" and path == "shipments/":
            return 200, {"results": [self._view(conversation, tn) for tn in state.customer_shipments]}
        if method == "POST" and path == "language/":
            if body.get("language") not in LANGUAGES:
                return self._error(400, "language_invalid")
            state.language[conversation] = body["language"]
            return 204, None
        if method == "POST" and path == "complaints/":
            if body.get("category") not in CATEGORIES:
                return self._error(400, "category_invalid")
            tracking_number = body.get("tracking_number")
            if tracking_number and tracking_number not in state.shipments:
                return self._error(404, "shipment_not_found")
            state.tickets += 1
            urgent = body["category"] in URGENT
            hours = 4 if urgent or body["category"] == "fake_attempt" else 24
            return 201, {"ticket_number": f"T-{state.tickets:06d}", "priority": "high" if urgent else "normal",
                         "first_response_due": "2026-11-23T12:00:00+08:00", "first_response_hours": hours,
                         "urgent": urgent}
        if method == "POST" and path == "handoff/":
            if body.get("reason") not in ("requested", "fallback", "urgent_complaint"):
                return self._error(400, "reason_invalid")
            state.queue += 1
            return 200, {"queue_position": state.queue, "open_now": state.open_now,
                         "business_hours": state.business_hours}
        if method == "POST" and path == "nps/":
            score = body.get("score")
            if not isinstance(score, int) or not 0 <= score <= 10:
                return self._error(400, "score_invalid")
            tracking_number = body.get("tracking_number")
            if tracking_number in state.nps:
                return self._error(409, "nps_already_answered")
            state.nps[tracking_number] = {"score": score, "comment": body.get("comment", "")}
            return 201, {"id": len(state.nps)}

        match = re.fullmatch(r"shipments/([^/]+)/(.*)", path)
        if not match:
            return self._error(404, "not_found")
        tracking_number, action = match.groups()
        if tracking_number not in state.shipments:
            return self._error(404, "shipment_not_found")
        shipment = state.shipments[tracking_number]
        verified = state.phone_matches or tracking_number in state.verified
        if method == "GET" and action == "":
            if state.lookups_left <= 0:
                return self._error(429, "rate_limited", retry_after=60)
            state.lookups_left -= 1
            return 200, self._view(conversation, tracking_number)
        if method == "POST" and action == "verification/":
            if verified:
                return 200, {"verified": True}
            if state.otp_sends >= state.otp_send_limit:
                return self._error(429, "otp_too_many_requests")
            state.otp_sends += 1
            state.otp_expired = False
            return 200, {"verified": False, "sent_to": shipment["phone_hint"], "expires_in": 600}
        if method == "POST" and action == "verification/confirm/":
            if state.otp_attempts_left <= 0:
                return self._error(400, "otp_locked")
            if state.otp_expired:
                return self._error(400, "otp_expired")
            if body.get("code") != state.otp_code:
                state.otp_attempts_left -= 1
                if state.otp_attempts_left <= 0:
                    return self._error(400, "otp_locked")
                return self._error(400, "otp_invalid", attempts_left=state.otp_attempts_left)
            state.verified.add(tracking_number)
            return 200, {"verified": True}
        if state.require_verification and not verified:
            return self._error(403, "verification_required")
        if method == "GET" and action == "delivery-windows/":
            return 200, {"results": [w for w in state.windows if w["remaining"] > 0]}
        if method == "GET" and action == "pickup-points/":
            return 200, {"results": state.pickup_points}
        if method == "POST" and action in ("reschedule/", "address/", "redirect/"):
            if not shipment["can_change"]:
                return self._error(409, "shipment_not_changeable")
            if action == "reschedule/":
                window = next((w for w in state.windows if w["id"] == body.get("window_id")), None)
                if window is None or window["remaining"] <= 0:
                    return self._error(400, "window_full")
                window["remaining"] -= 1
                shipment["promised_window"] = {k: window[k] for k in ("date", "start", "end")}
            elif action == "address/":
                address = (body.get("address") or "").strip()
                if len(address) < 6:
                    return self._error(400, "address_invalid")
                shipment["address"] = address
            else:
                point = next((p for p in state.pickup_points if p["id"] == body.get("pickup_point_id")), None)
                if point is None or not point["available"]:
                    return self._error(400, "pickup_point_full")
                shipment["address"] = f"{point['name']}, {point['address']}"
            return 200, self._view(conversation, tracking_number)
        return self._error(404, "not_found")


def main(argv: List[str]) -> None:
    port = int(argv[1]) if len(argv) > 1 else 8000
    token = argv[2] if len(argv) > 2 else "dev-helpdesk-token"
    state = demo_state(token)
    state.phone_matches = True          # bench: every change goes through without a code
    state.lookups_left = 10 ** 9
    state.otp_send_limit = 10 ** 9
    for window in state.windows:
        window["remaining"] = 10 ** 9
    with HelpdeskStandin(state, port) as standin:
        print(f"helpdesk stand-in on {standin.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv)
