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
import datetime as dt
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

PREFIX = "/api/v1/bot/conversations/"
FAQ_PREFIX = "/api/v1/bot/faq/"
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
        return self.path[len(PREFIX):].split("/", 1)[0] if self.path.startswith(PREFIX) else ""

    @property
    def endpoint(self) -> str:
        """The path after the conversation id, e.g. `shipments/SF1/verification/confirm/`; `faq/shipping-fee/`
        for the FAQ (without the query: see `query`)."""
        path = urlsplit(self.path).path
        if path.startswith(FAQ_PREFIX):
            return path[len("/api/v1/bot/"):]
        return path[len(PREFIX):].split("/", 1)[1] if "/" in path[len(PREFIX):] else ""

    @property
    def query(self) -> Dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))


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
    # Self-service: service areas and fee tables (as staff keep them in the admin), FAQ answers per topic and
    # language, delivery preferences and returns by tracking number.
    areas: List[Dict[str, Any]] = field(default_factory=list)
    zones: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    faq: Dict[str, Dict[str, str]] = field(default_factory=dict)
    preferences: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    returns: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    return_window_closed: set = field(default_factory=set)   # delivered too long ago
    out_of_area_points: set = field(default_factory=set)     # pickup point ids outside the parcel's area
    return_numbers: int = 12345678900


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
    for point in state.pickup_points:
        point.update(code=f"SH-{point['id']}", city="Shanghai")
    state.zones = {
        "CN-METRO": {"name": {"en": "Mainland China, major cities", "zh-hans": "中国大陆主要城市",
                              "zh-hant": "中國大陸主要城市", "ru": "Крупные города материкового Китая"},
                     "currency": "CNY", "transit_days": "1–2", "rates": [(1, "12.00"), (3, "18.00"), (30, "95.00")]},
        "CN-REMOTE": {"name": {"en": "Mainland China, remote areas", "zh-hans": "中国大陆偏远地区",
                               "zh-hant": "中國大陸偏遠地區", "ru": "Отдалённые районы Китая"},
                      "currency": "CNY", "transit_days": "3–5", "rates": [(1, "20.00"), (3, "32.00"), (20, "130.00")]},
        "HK-TW": {"name": {"en": "Hong Kong and Taiwan", "zh-hans": "港澳台", "zh-hant": "港澳台",
                           "ru": "Гонконг и Тайвань"},
                  "currency": "CNY", "transit_days": "2–3", "rates": [(1, "45.00"), (20, "350.00")]},
        "RU": {"name": {"en": "Russia", "zh-hans": "俄罗斯", "zh-hant": "俄羅斯", "ru": "Россия"},
               "currency": "CNY", "transit_days": "7–12", "rates": [(1, "95.00"), (3, "170.00"), (30, "1100.00")]},
    }
    state.areas = [
        {"city": "Shanghai", "aliases": ["上海", "Шанхай"], "postcode_prefix": "", "zone": "CN-METRO", "served": True},
        {"city": "Shanghai", "aliases": ["上海", "Шанхай"], "postcode_prefix": "2021", "zone": "CN-REMOTE",
         "served": True},
        {"city": "Beijing", "aliases": ["北京", "Пекин"], "postcode_prefix": "", "zone": "CN-METRO", "served": True},
        {"city": "Shenzhen", "aliases": ["深圳", "Шэньчжэнь"], "postcode_prefix": "", "zone": "CN-METRO",
         "served": True},
        {"city": "Urumqi", "aliases": ["乌鲁木齐", "烏魯木齊", "Урумчи"], "postcode_prefix": "", "zone": "CN-REMOTE",
         "served": True},
        {"city": "Lhasa", "aliases": ["拉萨", "拉薩", "Лхаса"], "postcode_prefix": "", "zone": "CN-REMOTE",
         "served": False},
        {"city": "Hong Kong", "aliases": ["香港", "Гонконг"], "postcode_prefix": "", "zone": "HK-TW", "served": True},
        {"city": "Taipei", "aliases": ["台北", "臺北", "Тайбэй"], "postcode_prefix": "", "zone": "HK-TW",
         "served": True},
        {"city": "Moscow", "aliases": ["莫斯科", "Москва"], "postcode_prefix": "", "zone": "RU", "served": True},
        {"city": "Saint Petersburg", "aliases": ["圣彼得堡", "聖彼得堡", "Санкт-Петербург", "St Petersburg"],
         "postcode_prefix": "", "zone": "RU", "served": True},
    ]
    state.faq = {
        "prohibited_items": {
            "en": "We cannot carry loose lithium batteries, flammable liquids, weapons, cash or live animals.",
            "zh-hans": "以下物品不能寄递：单独的锂电池、易燃液体、武器、现金和活体动物。",
            "zh-hant": "以下物品不能寄遞：單獨的鋰電池、易燃液體、武器、現金和活體動物。",
            "ru": "Мы не перевозим отдельные литиевые батареи, горючие жидкости, оружие, наличные и животных."},
        "damage_claim": {
            "en": "To claim for damage: within 7 days, keep the packaging, take photos and send us the number.",
            "zh-hans": "破损理赔：请在签收后 7 天内保留包装、拍照，并把运单号发给我们。",
            "zh-hant": "破損理賠：請在簽收後 7 天內保留包裝、拍照，並把運單號發給我們。",
            "ru": "Заявка о повреждении: в течение 7 дней сохраните упаковку, сделайте фото и пришлите номер."},
        "opening_hours": {
            "en": "Pickup stations are open every day 09:00–21:00; lockers are open 24/7.",
            "zh-hans": "驿站每天 09:00–21:00 营业，快递柜 24 小时开放。",
            "zh-hant": "取件站每天 09:00–21:00 營業，智能櫃 24 小時開放。",
            "ru": "Пункты выдачи работают ежедневно с 09:00 до 21:00, постаматы — круглосуточно."},
    }
    return state


# Ready-to-say answers the way the helpdesk words them (helpdesk/selfservice/answers.py), shortened.
ANSWERS = {
    "fee": {"en": "Sending {weight} kg to {place} ({zone}) costs {price} {currency}.",
            "zh-hans": "寄往{place}（{zone}）的 {weight} 公斤包裹运费为 {price} {currency}。",
            "zh-hant": "寄往{place}（{zone}）的 {weight} 公斤包裹運費為 {price} {currency}。",
            "ru": "Отправка {weight} кг по направлению «{place}» ({zone}) стоит {price} {currency}."},
    "served": {"en": "Yes, we deliver to {place} (zone: {zone}).", "zh-hans": "是的，我们送达{place}（区域：{zone}）。",
               "zh-hant": "是的，我們送達{place}（區域：{zone}）。", "ru": "Да, мы доставляем по направлению «{place}» (зона: {zone})."},
    "not_served": {"en": "Sorry, we do not deliver to {place} yet.", "zh-hans": "抱歉，我们暂不送达{place}。",
                   "zh-hant": "抱歉，我們暫不送達{place}。", "ru": "К сожалению, по направлению «{place}» мы пока не доставляем."},
    "points": {"en": "Nearest pickup points to {place}:", "zh-hans": "离{place}最近的取件点：",
               "zh-hant": "離{place}最近的取件點：", "ru": "Ближайшие пункты выдачи ({place}):"},
    "points_none": {"en": "We have no pickup station or locker in {place} yet.", "zh-hans": "{place}暂无驿站或快递柜。",
                    "zh-hant": "{place}暫無取件站或智能櫃。", "ru": "Пока у нас нет пунктов выдачи и постаматов в этом населённом пункте ({place})."},
    "preference": {"en": "Done: {what}. The courier will plan the delivery of {tn} on it.",
                   "zh-hans": "已设置：{what}。快递员将按此安排 {tn} 的派送。",
                   "zh-hant": "已設定：{what}。快遞員將按此安排 {tn} 的派送。",
                   "ru": "Готово: {what}. Курьер спланирует доставку {tn} с учётом этого."},
    "return_pickup": {"en": "Your return {rtn} for {tn} is booked. A courier will collect it on {date}.",
                      "zh-hans": "{tn} 的退货 {rtn} 已登记，快递员将于 {date} 上门取件。",
                      "zh-hant": "{tn} 的退貨 {rtn} 已登記，快遞員將於 {date} 上門取件。",
                      "ru": "Возврат {rtn} по отправлению {tn} оформлен. Курьер заберёт посылку {date}."},
    "return_drop_off": {"en": "Your return {rtn} for {tn} is booked. Drop the parcel off at {name}.",
                        "zh-hans": "{tn} 的退货 {rtn} 已登记。请将包裹送到{name}。",
                        "zh-hant": "{tn} 的退貨 {rtn} 已登記。請將包裹送到{name}。",
                        "ru": "Возврат {rtn} по отправлению {tn} оформлен. Сдайте посылку в «{name}»."},
}
PREFERENCE_METHODS = {"door", "station", "locker"}
TIME_SLOTS = {"morning": ("09:00", "12:00"), "afternoon": ("12:00", "18:00"), "evening": ("18:00", "21:00")}
RETURN_REASONS = {"damaged", "wrong_item", "not_as_described", "no_longer_needed", "other"}


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
        faq = request.path.startswith(FAQ_PREFIX)
        if not faq and (not request.path.startswith(PREFIX) or request.path.count("/") < 6):
            return 404, {"code": "not_found", "detail": "Not found."}
        if request.headers.get("authorization") != f"Token {self.state.token}":
            return 401, {"code": "not_authenticated", "detail": "Invalid token."}
        for pattern, status, body, delay in self.failures:
            if pattern.search(request.path):
                if delay:
                    time.sleep(delay)
                if status is not None:
                    return status, body if body is not None else {"code": "server_error", "detail": "Server Error"}
        if faq:
            with self._lock:
                return self._faq(request.method, request.endpoint[len("faq/"):], request.query)
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
        if action == "preference/":
            if method == "GET":
                return 200, {"preference": state.preferences.get(tracking_number)}
            return self._preference(conversation, tracking_number, body)
        if method == "POST" and action == "return/":
            return self._return(conversation, tracking_number, body)
        return self._error(404, "not_found")

    # Self-service ---------------------------------------------------------------
    def _label(self, conversation: str, shipment: Dict[str, Any]) -> str:
        language = self.state.language.get(conversation, "en")
        return STATUS_LABELS[language].get(shipment["status"], shipment["status_label"])

    def _area(self, city: str, postcode: str) -> Optional[Dict[str, Any]]:
        wanted = " ".join(city.split()).casefold()

        def named(area):
            return any(name.casefold() == wanted for name in [area["city"], *area["aliases"]])

        if postcode:
            by_code = [a for a in self.state.areas if a["postcode_prefix"] and postcode.startswith(a["postcode_prefix"])
                       and (not city or named(a))]
            if by_code:
                return max(by_code, key=lambda a: len(a["postcode_prefix"]))
        whole = sorted((a for a in self.state.areas if city and named(a)), key=lambda a: len(a["postcode_prefix"]))
        return whole[0] if whole else None

    def _faq(self, method: str, topic: str, query: Dict[str, str]) -> Tuple[int, Any]:
        state = self.state
        language = query.get("language", "en")
        if method != "GET":
            return self._error(405, "method_not_allowed")
        if language not in LANGUAGES:
            return self._error(400, "language_invalid")
        if topic in ("prohibited-items/", "damage-claim/", "opening-hours/"):
            key = topic.rstrip("/").replace("-", "_")
            if key not in state.faq:
                return self._error(404, "faq_not_found")
            return 200, {"topic": key, "answer": state.faq[key][language], "language": language, "items": [],
                         "updated_at": "2026-11-20T10:00:00+08:00"}
        city, postcode = " ".join(query.get("city", "").split()), query.get("postcode", "").replace(" ", "")
        if len(city) > 100:
            return self._error(400, "city_invalid", errors={"city": ["Too long."]})
        if not city and not postcode:
            return self._error(400, "place_required")
        area = self._area(city, postcode)
        place = " ".join([city or (area["city"] if area else ""), postcode]).strip()
        zone = state.zones[area["zone"]] if area else None
        if topic == "shipping-fee/":
            if "weight_kg" not in query:
                return self._error(400, "weight_kg_invalid", errors={"weight_kg": ["This field is required."]})
            try:
                weight = float(query["weight_kg"].replace(",", "."))
            except ValueError:
                return self._error(400, "weight_invalid")
            if not 0 < weight <= 100000:
                return self._error(400, "weight_invalid")
            if area is None:
                return self._error(400, "place_unknown")
            if not area["served"]:
                return self._error(400, "place_not_served")
            rate = next((r for r in zone["rates"] if weight <= r[0]), None)
            if rate is None:
                return self._error(400, "overweight", max_weight_kg=f"{zone['rates'][-1][0]:.2f}")
            weight_text = f"{weight:g}"
            answer = ANSWERS["fee"][language].format(weight=weight_text, place=place, zone=zone["name"][language],
                                                     price=rate[1], currency=zone["currency"])
            return 200, {"answer": answer, "language": language, "place": place, "city": area["city"],
                         "zone": {"code": area["zone"], "name": zone["name"][language]},
                         "weight_kg": f"{weight:.2f}", "price": rate[1], "currency": zone["currency"],
                         "transit_days": zone["transit_days"]}
        if topic == "service-area/":
            served = bool(area and area["served"])
            answer = (ANSWERS["served"][language].format(place=place, zone=zone["name"][language]) if served
                      else ANSWERS["not_served"][language].format(place=place))
            return 200, {"answer": answer, "language": language, "served": served, "place": place,
                         "city": area["city"] if area else None,
                         "zone": {"code": area["zone"], "name": zone["name"][language]} if served else None}
        if topic == "pickup-points/":
            kind = query.get("kind", "")
            if kind not in ("", "locker", "station"):
                return self._error(400, "kind_invalid")
            search = area["city"] if area else city
            results = [p for p in state.pickup_points
                       if p.get("city") == search and (not kind or p["kind"] == kind)][:3]
            if not results:
                return 200, {"answer": ANSWERS["points_none"][language].format(place=place), "language": language,
                             "place": place, "results": []}
            lines = [ANSWERS["points"][language].format(place=place)] + [
                f"{n}. {p['name']}, {p['address']}, {p['opening_hours']}, {p['distance_km']} km"
                for n, p in enumerate(results, start=1)]
            return 200, {"answer": "\n".join(lines), "language": language, "place": place, "results": results}
        return self._error(404, "not_found")

    def _preference(self, conversation: str, tracking_number: str, body: Dict[str, Any]) -> Tuple[int, Any]:
        state = self.state
        shipment = state.shipments[tracking_number]
        method, point_id = body.get("method"), body.get("pickup_point_id")
        slots = body.get("time_slots") or []
        if method not in PREFERENCE_METHODS:
            return self._error(400, "method_invalid")
        if not isinstance(slots, list) or any(s not in TIME_SLOTS for s in slots):
            return self._error(400, "time_slots_invalid")
        day = body.get("appointment_date")
        if day is not None:
            try:
                ahead = (dt.date.fromisoformat(day) - dt.date.today()).days
            except (TypeError, ValueError):
                ahead = -1
            if not 1 <= ahead <= 14:
                return self._error(400, "appointment_date_invalid")
        if method == "door" and point_id is not None:
            return self._error(400, "pickup_point_not_expected")
        if method != "door" and point_id is None:
            return self._error(400, "pickup_point_required")
        if not shipment["can_change"]:
            return self._error(409, "shipment_not_changeable", status_label=self._label(conversation, shipment))
        point = None
        if method != "door":
            point = next((p for p in state.pickup_points if p["id"] == point_id and p["kind"] == method), None)
            if point is None:
                return self._error(404, "pickup_point_not_found")
            if point_id in state.out_of_area_points:
                return self._error(400, "pickup_point_out_of_area")
        preference = {
            "method": method,
            "pickup_point": ({k: point[k] for k in ("code", "kind", "name", "address", "city")} if point else None),
            "time_slots": [{"slot": s, "start": TIME_SLOTS[s][0], "end": TIME_SLOTS[s][1]} for s in TIME_SLOTS
                           if s in slots],
            "appointment_date": day, "instructions": body.get("instructions") or "",
            "updated_at": "2026-11-23T10:00:00+08:00", "channel": "webchat",
        }
        state.preferences[tracking_number] = preference
        language = state.language.get(conversation, "en")
        what = point["name"] if point else "door"
        what += "".join(f", {s['start']}–{s['end']}" for s in preference["time_slots"]) + (f", {day}" if day else "")
        return 200, {"answer": ANSWERS["preference"][language].format(what=what, tn=tracking_number),
                     "language": language, "preference": preference}

    def _return(self, conversation: str, tracking_number: str, body: Dict[str, Any]) -> Tuple[int, Any]:
        state = self.state
        shipment = state.shipments[tracking_number]
        reason, method, point_id = body.get("reason"), body.get("method"), body.get("pickup_point_id")
        comment = body.get("comment") or ""
        if reason not in RETURN_REASONS:
            return self._error(400, "reason_invalid")
        if method not in ("pickup", "drop_off"):
            return self._error(400, "method_invalid")
        if len(comment) > 500:
            return self._error(400, "comment_invalid")
        if method == "drop_off" and point_id is None:
            return self._error(400, "pickup_point_required")
        if any(r["return_tracking_number"] == tracking_number for r in state.returns.values()):
            return self._error(409, "return_of_return")
        if shipment["status"] != "delivered":
            return self._error(409, "shipment_not_delivered", status_label=self._label(conversation, shipment))
        if tracking_number in state.return_window_closed:
            return self._error(409, "return_window_closed", window_days=14, closed_at="2026-11-10T00:00:00+08:00")
        if tracking_number in state.returns:
            return self._error(409, "return_already_started",
                               return_tracking_number=state.returns[tracking_number]["return_tracking_number"])
        point = None
        if method == "drop_off":
            point = next((p for p in state.pickup_points if p["id"] == point_id), None)
            if point is None:
                return self._error(404, "pickup_point_not_found")
        elif point_id is not None:
            return self._error(400, "pickup_point_not_expected")
        state.return_numbers += 1
        rtn = f"RT{state.return_numbers:012d}"
        state.shipments[rtn] = shipment_view(rtn, "created", can_change=True)
        pickup_date = (dt.date.today() + dt.timedelta(days=1)).isoformat() if method == "pickup" else None
        created = {
            "return_tracking_number": rtn, "original_tracking_number": tracking_number, "status": "created",
            "reason": reason, "comment": comment, "method": method, "pickup_date": pickup_date,
            "pickup_address": {"address": shipment["address"], "city": "Shanghai", "postcode": "200120"}
            if method == "pickup" else None,
            "drop_off_point": {k: point[k] for k in ("code", "kind", "name", "address", "opening_hours")}
            if point else None, "created_at": "2026-11-23T10:00:00+08:00", "channel": "webchat",
        }
        state.returns[tracking_number] = created
        language = state.language.get(conversation, "en")
        key = "return_pickup" if method == "pickup" else "return_drop_off"
        answer = ANSWERS[key][language].format(rtn=rtn, tn=tracking_number, date=pickup_date,
                                               name=point["name"] if point else "")
        return 201, {"answer": answer, "language": language, **created}


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
