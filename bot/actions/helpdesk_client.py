"""Client for the helpdesk's bot API (docs/bot-api.md). The action server never touches the database."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

import requests


class HelpdeskUnavailable(Exception):
    """The helpdesk did not answer (down, timeout, 5xx). The bot apologises; nothing changed."""


class HelpdeskError(Exception):
    """A 4xx answer: `code` is the machine code from the body, e.g. `shipment_not_found`."""

    def __init__(self, status: int, body: Dict[str, Any]):
        self.status = status
        self.body = body
        self.code = body.get("code") or f"http_{status}"
        super().__init__(f"{status} {self.code}: {body.get('detail', '')}")


class HelpdeskClient:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, timeout: Optional[float] = None):
        self.base_url = (base_url or os.environ.get("HELPDESK_URL") or "http://127.0.0.1:8000").rstrip("/")
        self.token = token if token is not None else os.environ.get("HELPDESK_API_TOKEN", "")
        # Seconds to wait for the helpdesk before apologising to the customer (HELPDESK_TIMEOUT, default 10).
        self.timeout = timeout if timeout is not None else float(os.environ.get("HELPDESK_TIMEOUT") or 10)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {self.token}"

    def _request(self, method: str, path: str, body: Optional[dict] = None, *, params: Optional[dict] = None,
                 root: str = "conversations/") -> Dict[str, Any]:
        url = f"{self.base_url}/api/v1/bot/{root}{path}"
        try:
            response = self.session.request(method, url, json=body, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise HelpdeskUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise HelpdeskUnavailable(f"{method} {url} -> {response.status_code}")
        if response.status_code == 204:
            return {}
        try:
            payload = response.json()
        except ValueError:
            payload = {"code": f"http_{response.status_code}", "detail": response.text[:200]}
        if response.status_code >= 400:
            raise HelpdeskError(response.status_code, payload if isinstance(payload, dict) else {})
        return payload

    # Shipments -------------------------------------------------------------
    def shipments(self, conversation: str) -> list:
        return self._request("GET", f"{conversation}/shipments/").get("results", [])

    def shipment(self, conversation: str, tracking_number: str) -> dict:
        return self._request("GET", f"{conversation}/shipments/{tracking_number}/")

    # One-time code -----------------------------------------------------------
    def verification_start(self, conversation: str, tracking_number: str) -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/verification/", {})

    def verification_confirm(self, conversation: str, tracking_number: str, code: str) -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/verification/confirm/", {"code": code})

    # Changes -----------------------------------------------------------------
    def delivery_windows(self, conversation: str, tracking_number: str) -> list:
        return self._request("GET", f"{conversation}/shipments/{tracking_number}/delivery-windows/").get("results", [])

    def reschedule(self, conversation: str, tracking_number: str, window_id: int) -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/reschedule/", {"window_id": window_id})

    def address_change(self, conversation: str, tracking_number: str, address: str) -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/address/", {"address": address})

    def pickup_points(self, conversation: str, tracking_number: str) -> list:
        return self._request("GET", f"{conversation}/shipments/{tracking_number}/pickup-points/").get("results", [])

    def redirect(self, conversation: str, tracking_number: str, pickup_point_id: int) -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/redirect/", {"pickup_point_id": pickup_point_id})

    # Complaints, handoff, language, NPS ------------------------------------
    def complaint(self, conversation: str, category: str, description: str, tracking_number: Optional[str]) -> dict:
        return self._request("POST", f"{conversation}/complaints/",
                             {"category": category, "description": description, "tracking_number": tracking_number})

    def handoff(self, conversation: str, reason: str) -> dict:
        return self._request("POST", f"{conversation}/handoff/", {"reason": reason})

    def language(self, conversation: str, language: str) -> None:
        self._request("POST", f"{conversation}/language/", {"language": language})

    def nps(self, conversation: str, tracking_number: str, score: int, comment: str) -> dict:
        return self._request("POST", f"{conversation}/nps/",
                             {"tracking_number": tracking_number, "score": score, "comment": comment})

    # Self-service: FAQ answers (not tied to a conversation) ------------------
    # Each success carries `answer`, a sentence ready to send in `language`.
    def _faq(self, path: str, language: str, **params: Any) -> dict:
        query = {key: value for key, value in params.items() if value not in (None, "")}
        return self._request("GET", path, params={**query, "language": language}, root="faq/")

    def shipping_fee(self, weight_kg: str, language: str, city: str = "", postcode: str = "") -> dict:
        return self._faq("shipping-fee/", language, weight_kg=weight_kg, city=city, postcode=postcode)

    def service_area(self, language: str, city: str = "", postcode: str = "") -> dict:
        return self._faq("service-area/", language, city=city, postcode=postcode)

    def pickup_points_near(self, language: str, city: str = "", postcode: str = "", kind: str = "") -> dict:
        return self._faq("pickup-points/", language, city=city, postcode=postcode, kind=kind)

    def faq_topic(self, topic: str, language: str) -> dict:
        """`prohibited-items`, `damage-claim` or `opening-hours`; 404 faq_not_found when staff wrote none."""
        return self._faq(f"{topic}/", language)

    # Self-service: delivery preference and returns (the verified recipient) --
    def preference(self, conversation: str, tracking_number: str) -> Optional[dict]:
        return self._request("GET", f"{conversation}/shipments/{tracking_number}/preference/").get("preference")

    def preference_set(self, conversation: str, tracking_number: str, method: str, *,
                       pickup_point_id: Optional[int] = None, time_slots: Optional[list] = None,
                       appointment_date: Optional[str] = None, instructions: str = "") -> dict:
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/preference/", {
            "method": method, "pickup_point_id": pickup_point_id, "time_slots": list(time_slots or []),
            "appointment_date": appointment_date, "instructions": instructions})

    def return_start(self, conversation: str, tracking_number: str, reason: str, method: str, *,
                     pickup_point_id: Optional[int] = None, comment: str = "") -> dict:
        body: Dict[str, Any] = {"reason": reason, "method": method, "comment": comment}
        if pickup_point_id is not None:
            body["pickup_point_id"] = pickup_point_id
        return self._request("POST", f"{conversation}/shipments/{tracking_number}/return/", body)
