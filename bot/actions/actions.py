"""Custom actions: each one reads the conversation, calls the helpdesk (docs/bot-api.md) and answers.

Text lives in the domain (responses with a variation per `language`); actions only
choose the response and fill in data. The Rasa sender id is the helpdesk
conversation id.
"""
from __future__ import annotations

import logging
import re
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.helpdesk_client import HelpdeskClient, HelpdeskError, HelpdeskUnavailable
from actions.understanding import (
    change_choice_parse,
    complaint_category_guess,
    complaint_category_parse,
    date_format,
    is_cancel,
    is_skip,
    normalize_tracking_number,
    nps_score_parse,
    option_number,
    time_format,
    window_format,
)
from components.language import detect_language

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "zh-hans", "zh-hant", "ru")
VERIFIED = "verified"
SKIPPED = "__skipped__"
# Turns the bot could not help with; two in a row bring in a colleague.
NOT_UNDERSTOOD = ("nlu_fallback", "out_of_scope")

# Slots that belong to one flow; cleared when a flow starts, ends or is cancelled.
FLOW_SLOTS = [
    "flow_blocked", "offered_shipments", "otp_code", "otp_sent_to", "delivery_window", "offered_windows",
    "window_label", "change_choice", "new_address", "pickup_point", "offered_pickup_points", "change_target",
    "confirmed", "complaint_category", "complaint_description", "nps_score", "nps_comment",
    "damage_claim_offered",
]


def helpdesk() -> HelpdeskClient:
    return HelpdeskClient()


def flow_reset(*, keep: tuple = ()) -> List[EventType]:
    return [SlotSet(name, None) for name in FLOW_SLOTS if name not in keep]


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else "en"


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_tracking_number(tracker: Tracker) -> Optional[str]:
    value = next(tracker.get_latest_entity_values("tracking_number"), None)
    return normalize_tracking_number(value)


def last_event_text(view: dict, language: str) -> str:
    event = view.get("last_event") or {}
    parts = [event.get("description") or "", event.get("location") or ""]
    text = ", ".join(part for part in parts if part)
    when = time_format(event.get("at"), language)
    return f"{text} ({when})" if when and text else (text or when or "—")


def proof_text(view: dict) -> str:
    proof = view.get("proof_of_delivery") or {}
    parts = [proof.get("signed_by") or "", proof.get("photo_url") or ""]
    if proof.get("method") == "otp":
        parts.insert(0, "OTP ✓")
    return " · ".join(part for part in parts if part) or "—"


def shipment_utter(dispatcher: CollectingDispatcher, view: dict, language: str) -> None:
    """Status, last event and ETA; proof of delivery once delivered; a privacy note when masked."""
    tracking_number = view["tracking_number"]
    if view.get("status") == "delivered" and view.get("proof_of_delivery"):
        proof = view["proof_of_delivery"]
        dispatcher.utter_message(
            response="utter_shipment_delivered",
            tracking_number=tracking_number,
            delivered_at=time_format(proof.get("delivered_at"), language) or "—",
            proof=proof_text(view),
        )
    else:
        eta = window_format(view.get("promised_window"), language) or date_format(view.get("eta"), language)
        dispatcher.utter_message(
            response="utter_shipment_status" if eta else "utter_shipment_status_no_eta",
            tracking_number=tracking_number,
            status_label=view.get("status_label") or view.get("status"),
            last_event=last_event_text(view, language),
            eta=eta or "",
        )
    if view.get("masked"):
        dispatcher.utter_message(response="utter_shipment_masked_note")


def options_utter(dispatcher: CollectingDispatcher, response: str, titles: List[str]) -> None:
    """A question with numbered options: the payload is the number, so "2" typed on SMS equals a click."""
    buttons = [{"title": title, "payload": str(number)} for number, title in enumerate(titles, start=1)]
    dispatcher.utter_message(response=response, buttons=buttons)


def not_changeable_utter(dispatcher: CollectingDispatcher, tracker: Tracker, tracking_number: str,
                         exc: HelpdeskError) -> None:
    """The parcel moved on (e.g. out for delivery) while the customer was choosing: say so with its label."""
    try:
        view = helpdesk().shipment(tracker.sender_id, tracking_number)
        label = view.get("status_label") or view.get("status")
    except (HelpdeskUnavailable, HelpdeskError):
        label = exc.body.get("status_now", "")
    dispatcher.utter_message(response="utter_not_changeable", tracking_number=tracking_number, status_label=label)


def free_text_cancel(dispatcher: CollectingDispatcher, slot: str) -> Dict[Text, Any]:
    """The customer asked to stop while the form waited for free text: end the form, change nothing.

    Free-text slots take every message whatever its intent (a complaint "курьер не позвонил" is often
    classified `deny`), so the NLU's `deny` cannot cancel them; only an explicit "cancel" / "отмена" /
    "算了" (understanding.is_cancel) does. `flow_blocked` makes the form ask nothing more and its submit
    action do nothing.
    """
    dispatcher.utter_message(response="utter_cancelled")
    return {slot: None, "flow_blocked": True}


def unavailable(dispatcher: CollectingDispatcher, exc: Exception) -> List[EventType]:
    logger.warning("helpdesk unavailable: %s", exc)
    dispatcher.utter_message(response="utter_service_unavailable")
    return []


# ---------------------------------------------------------------------------
# Every user turn: language and the fallback counter.
# ---------------------------------------------------------------------------
class ValidateSlotMappings(ValidationAction):
    """Runs after every customer message (Rasa's action_validate_slot_mappings)."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        current = tracker.get_slot("language")
        text = latest_text(tracker)
        detected = detect_language(text) if text and not text.startswith("/") else None
        if detected is None:
            metadata = tracker.latest_message.get("metadata") or {}
            language = current or metadata.get("language")
            if language not in LANGUAGES:
                language = "en"
        else:
            language, ambiguous = detected
            if ambiguous and current in LANGUAGES:
                # "ok", "好的" (same in both Chinese scripts), a Russian word in English:
                # keep the language the customer has been writing in.
                if language.startswith("zh") and current.startswith("zh"):
                    language = current
                elif language == "en":
                    language = current
        if language == current:
            return {}
        try:
            helpdesk().language(tracker.sender_id, language)
        except (HelpdeskUnavailable, HelpdeskError) as exc:
            # The reply language still follows the customer; the record catches up next time.
            logger.warning("could not save language %s for %s: %s", language, tracker.sender_id, exc)
        return {"language": language}

    async def extract_fallback_count(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if latest_intent(tracker) not in NOT_UNDERSTOOD and tracker.get_slot("fallback_count"):
            return {"fallback_count": 0.0}
        return {}


# ---------------------------------------------------------------------------
# Starting a flow: which parcel?
# ---------------------------------------------------------------------------
class ActionPrefillShipment(Action):
    """Runs before the tracking / rescheduling / address forms.

    A number in the message wins; otherwise a customer with one parcel does not
    have to type its number, and one with several is offered a list.
    """

    def name(self) -> Text:
        return "action_prefill_shipment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = flow_reset()
        if entity_tracking_number(tracker):
            return events + [SlotSet("tracking_number", entity_tracking_number(tracker))]
        if latest_intent(tracker) != "track_shipment" and tracker.get_slot("tracking_number"):
            return events  # "reschedule it" right after tracking: the parcel we were talking about.
        try:
            shipments = helpdesk().shipments(tracker.sender_id)
        except (HelpdeskUnavailable, HelpdeskError) as exc:
            logger.warning("shipment list failed: %s", exc)
            shipments = []
        if len(shipments) == 1:
            return events + [SlotSet("tracking_number", shipments[0]["tracking_number"])]
        offered = [{"tracking_number": s["tracking_number"], "status_label": s.get("status_label") or s.get("status")}
                   for s in shipments[:9]]
        return events + [SlotSet("tracking_number", None), SlotSet("offered_shipments", offered or None)]


class ActionAskTrackingNumber(Action):
    def name(self) -> Text:
        return "action_ask_tracking_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        offered = tracker.get_slot("offered_shipments") or []
        if offered:
            options_utter(dispatcher, "utter_choose_shipment",
                          [f"{item['tracking_number']} ({item['status_label']})" for item in offered])
        else:
            dispatcher.utter_message(response="utter_ask_tracking_number")
        return []


def tracking_number_resolve(value: Any, tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[str]:
    """A tracking number from what the customer sent: the number itself, or "2" for the 2nd parcel offered."""
    tracking_number = normalize_tracking_number(str(value or ""))
    if tracking_number:
        return tracking_number
    offered = tracker.get_slot("offered_shipments") or []
    index = option_number(str(value or ""), len(offered)) if offered else None
    if index is not None:
        return offered[index]["tracking_number"]
    dispatcher.utter_message(response="utter_tracking_number_invalid")
    return None


# ---------------------------------------------------------------------------
# Tracking
# ---------------------------------------------------------------------------
class ValidateTrackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_track_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("flow_blocked") else domain_slots

    def validate_tracking_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        return {"tracking_number": tracking_number_resolve(value, tracker, dispatcher)}


class ActionTrackShipment(Action):
    def name(self) -> Text:
        return "action_track_shipment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        tracking_number = tracker.get_slot("tracking_number")
        if tracker.get_slot("flow_blocked") or not tracking_number:
            return flow_reset()
        try:
            view = helpdesk().shipment(tracker.sender_id, tracking_number)
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + flow_reset()
        except HelpdeskError as exc:
            if exc.code == "rate_limited":
                dispatcher.utter_message(response="utter_rate_limited")
            elif exc.code == "shipment_not_found":
                dispatcher.utter_message(response="utter_shipment_not_found", tracking_number=tracking_number)
            else:  # e.g. 401 from a wrong HELPDESK_API_TOKEN: our problem, not a wrong number
                logger.warning("tracking refused: %s", exc)
                dispatcher.utter_message(response="utter_service_unavailable")
                return flow_reset()
            return flow_reset() + [SlotSet("tracking_number", None)]
        shipment_utter(dispatcher, view, language_of(tracker))
        return flow_reset()


# ---------------------------------------------------------------------------
# Changes (reschedule, address, redirect): parcel, one-time code, choice, confirm.
# ---------------------------------------------------------------------------
class ChangeFormValidation(FormValidationAction, metaclass=ABCMeta):
    """Shared steps of the forms that change a delivery (abstract: the action server skips it)."""

    @abstractmethod
    def name(self) -> Text:
        ...

    def after_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                       tracking_number: str) -> Dict[Text, Any]:
        """Slots to set once the sender is verified for `tracking_number` (e.g. the windows on offer)."""
        return {}

    @abstractmethod
    def form_slots(self, tracker: Tracker) -> List[Text]:
        ...

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        if tracker.get_slot("flow_blocked"):
            return []
        slots = ["tracking_number"]
        if tracker.get_slot("otp_code") != VERIFIED:
            slots.append("otp_code")
        return slots + self.form_slots(tracker)

    def validate_tracking_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        tracking_number = tracking_number_resolve(value, tracker, dispatcher)
        if not tracking_number:
            return {"tracking_number": None}
        client = helpdesk()
        try:
            view = client.shipment(tracker.sender_id, tracking_number)
            if not view.get("can_change"):
                dispatcher.utter_message(response="utter_not_changeable", tracking_number=tracking_number,
                                         status_label=view.get("status_label") or view.get("status"))
                return {"tracking_number": tracking_number, "flow_blocked": True}
            started = client.verification_start(tracker.sender_id, tracking_number)
        except HelpdeskUnavailable as exc:
            unavailable(dispatcher, exc)
            return {"tracking_number": tracking_number, "flow_blocked": True}
        except HelpdeskError as exc:
            if exc.code == "shipment_not_found":
                dispatcher.utter_message(response="utter_shipment_not_found", tracking_number=tracking_number)
                return {"tracking_number": None}
            if exc.code == "rate_limited":
                dispatcher.utter_message(response="utter_rate_limited")
            elif exc.code == "otp_too_many_requests":
                dispatcher.utter_message(response="utter_otp_too_many")
            else:
                dispatcher.utter_message(response="utter_service_unavailable")
            return {"tracking_number": tracking_number, "flow_blocked": True}
        if started.get("verified"):
            return {"tracking_number": tracking_number, "otp_code": VERIFIED,
                    **self.after_verified(dispatcher, tracker, tracking_number)}
        return {"tracking_number": tracking_number, "otp_code": None, "otp_sent_to": started.get("sent_to")}

    def validate_otp_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        if value == VERIFIED:
            return {"otp_code": VERIFIED}
        tracking_number = tracker.get_slot("tracking_number")
        code = re.sub(r"\D", "", str(value or ""))
        client = helpdesk()
        try:
            client.verification_confirm(tracker.sender_id, tracking_number, code)
        except HelpdeskUnavailable as exc:
            unavailable(dispatcher, exc)
            return {"otp_code": None, "flow_blocked": True}
        except HelpdeskError as exc:
            if exc.code == "otp_invalid":
                dispatcher.utter_message(response="utter_otp_invalid", attempts_left=exc.body.get("attempts_left", "?"))
                return {"otp_code": None}
            if exc.code == "otp_expired":
                dispatcher.utter_message(response="utter_otp_expired")
                try:
                    started = client.verification_start(tracker.sender_id, tracking_number)
                except (HelpdeskUnavailable, HelpdeskError):
                    return {"otp_code": None, "flow_blocked": True}
                return {"otp_code": None, "otp_sent_to": started.get("sent_to")}
            if exc.code == "otp_locked":
                dispatcher.utter_message(response="utter_otp_locked")
            else:
                dispatcher.utter_message(response="utter_service_unavailable")
            return {"otp_code": None, "flow_blocked": True}
        dispatcher.utter_message(response="utter_verified")
        return {"otp_code": VERIFIED, **self.after_verified(dispatcher, tracker, tracking_number)}

    def validate_confirmed(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"confirmed": bool(value)}


class ValidateRescheduleForm(ChangeFormValidation):
    def name(self) -> Text:
        return "validate_reschedule_form"

    def form_slots(self, tracker: Tracker) -> List[Text]:
        return ["delivery_window", "confirmed"]

    def after_verified(self, dispatcher, tracker, tracking_number) -> Dict[Text, Any]:
        return windows_offer(dispatcher, tracker, tracking_number)

    def validate_delivery_window(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_windows") or []
        index = option_number(str(value or ""), len(offered))
        if index is None:
            dispatcher.utter_message(response="utter_window_invalid")
            return {"delivery_window": None}
        window = offered[index]
        return {"delivery_window": str(window["id"]), "window_label": window["label"]}


def windows_offer(dispatcher: CollectingDispatcher, tracker: Tracker, tracking_number: str) -> Dict[Text, Any]:
    language = language_of(tracker)
    try:
        windows = helpdesk().delivery_windows(tracker.sender_id, tracking_number)
    except HelpdeskUnavailable as exc:
        unavailable(dispatcher, exc)
        return {"flow_blocked": True}
    except HelpdeskError:
        windows = []
    if not windows:
        dispatcher.utter_message(response="utter_no_windows")
        return {"flow_blocked": True}
    offered = [{"id": w["id"], "label": window_format(w, language) or w.get("label")} for w in windows[:9]]
    return {"offered_windows": offered}


class ActionAskDeliveryWindow(Action):
    def name(self) -> Text:
        return "action_ask_delivery_window"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        options_utter(dispatcher, "utter_ask_delivery_window",
                      [item["label"] for item in tracker.get_slot("offered_windows") or []])
        return []


class ActionReschedule(Action):
    def name(self) -> Text:
        return "action_reschedule"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked"):
            return flow_reset()
        tracking_number = tracker.get_slot("tracking_number")
        if not tracker.get_slot("confirmed"):
            dispatcher.utter_message(response="utter_not_confirmed")
            return flow_reset()
        try:
            helpdesk().reschedule(tracker.sender_id, tracking_number, int(tracker.get_slot("delivery_window")))
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + flow_reset()
        except HelpdeskError as exc:
            if exc.code == "window_full":
                dispatcher.utter_message(response="utter_window_full")
                offer = windows_offer(dispatcher, tracker, tracking_number)
                if offer.get("flow_blocked"):
                    return flow_reset()
                return [SlotSet("delivery_window", None), SlotSet("confirmed", None),
                        SlotSet("offered_windows", offer["offered_windows"]), FollowupAction("reschedule_form")]
            if exc.code == "shipment_not_changeable":
                not_changeable_utter(dispatcher, tracker, tracking_number, exc)
            else:
                dispatcher.utter_message(response="utter_service_unavailable")
            return flow_reset()
        dispatcher.utter_message(response="utter_rescheduled", tracking_number=tracking_number,
                                 window_label=tracker.get_slot("window_label"))
        return flow_reset()


class ValidateAddressForm(ChangeFormValidation):
    def name(self) -> Text:
        return "validate_address_form"

    def form_slots(self, tracker: Tracker) -> List[Text]:
        choice = tracker.get_slot("change_choice")
        if choice == "address":
            return ["change_choice", "new_address", "confirmed"]
        if choice == "pickup_point":
            return ["change_choice", "pickup_point", "confirmed"]
        return ["change_choice"]

    def validate_change_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        choice = change_choice_parse(str(value or ""))
        if choice is None:
            dispatcher.utter_message(response="utter_change_choice_invalid")
            return {"change_choice": None}
        if choice == "address":
            return {"change_choice": "address"}
        try:
            points = helpdesk().pickup_points(tracker.sender_id, tracker.get_slot("tracking_number"))
        except HelpdeskUnavailable as exc:
            unavailable(dispatcher, exc)
            return {"change_choice": None, "flow_blocked": True}
        except HelpdeskError:
            points = []
        points = [p for p in points if p.get("available", True)][:9]
        if not points:
            dispatcher.utter_message(response="utter_no_pickup_points")
            return {"change_choice": None}
        offered = [{"id": p["id"], "label": f"{p['name']}, {p['address']}"
                    + (f" ({p['distance_km']} km)" if p.get("distance_km") is not None else "")} for p in points]
        return {"change_choice": "pickup_point", "offered_pickup_points": offered}

    def validate_new_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        address = " ".join(str(value or "").split())
        if is_cancel(address):
            return free_text_cancel(dispatcher, "new_address")
        han = len(re.findall(r"[\u3400-\u9fff]", address))
        if han < 6 and (len(address) < 8 or len(address.split()) < 2):
            dispatcher.utter_message(response="utter_address_invalid")
            return {"new_address": None}
        return {"new_address": address, "change_target": address}

    def validate_pickup_point(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_pickup_points") or []
        index = option_number(str(value or ""), len(offered))
        if index is None:
            dispatcher.utter_message(response="utter_pickup_point_invalid")
            return {"pickup_point": None}
        return {"pickup_point": str(offered[index]["id"]), "change_target": offered[index]["label"]}


class ActionAskPickupPoint(Action):
    def name(self) -> Text:
        return "action_ask_pickup_point"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        options_utter(dispatcher, "utter_ask_pickup_point",
                      [item["label"] for item in tracker.get_slot("offered_pickup_points") or []])
        return []


class ActionChangeAddress(Action):
    def name(self) -> Text:
        return "action_change_address"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked"):
            return flow_reset()
        if not tracker.get_slot("confirmed"):
            dispatcher.utter_message(response="utter_not_confirmed")
            return flow_reset()
        tracking_number = tracker.get_slot("tracking_number")
        target = tracker.get_slot("change_target")
        client = helpdesk()
        try:
            if tracker.get_slot("change_choice") == "pickup_point":
                client.redirect(tracker.sender_id, tracking_number, int(tracker.get_slot("pickup_point")))
                dispatcher.utter_message(response="utter_redirected", tracking_number=tracking_number,
                                         change_target=target)
            else:
                client.address_change(tracker.sender_id, tracking_number, tracker.get_slot("new_address"))
                dispatcher.utter_message(response="utter_address_changed", tracking_number=tracking_number,
                                         change_target=target)
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + flow_reset()
        except HelpdeskError as exc:
            if exc.code == "address_invalid":
                dispatcher.utter_message(response="utter_address_invalid")
                return [SlotSet("new_address", None), SlotSet("confirmed", None), FollowupAction("address_form")]
            if exc.code == "pickup_point_full":
                dispatcher.utter_message(response="utter_pickup_point_full")
                return [SlotSet("change_choice", None), SlotSet("pickup_point", None), SlotSet("confirmed", None),
                        FollowupAction("address_form")]
            if exc.code == "shipment_not_changeable":
                not_changeable_utter(dispatcher, tracker, tracking_number, exc)
            else:
                dispatcher.utter_message(response="utter_service_unavailable")
        return flow_reset()


# ---------------------------------------------------------------------------
# Complaints
# ---------------------------------------------------------------------------
class ActionStartComplaint(Action):
    """Before the complaint form: take the category (and the story) from the first message when it says them."""

    def name(self) -> Text:
        return "action_start_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = flow_reset()
        text = latest_text(tracker)
        category = complaint_category_guess(text)
        if category:
            events.append(SlotSet("complaint_category", category))
            han = len(re.findall(r"[\u3400-\u9fff]", text))
            if len(text.split()) >= 6 or han >= 12:
                events.append(SlotSet("complaint_description", text))
        if entity_tracking_number(tracker):
            events.append(SlotSet("tracking_number", entity_tracking_number(tracker)))
        return events


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("flow_blocked") else domain_slots

    def validate_complaint_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        if is_cancel(str(value or "")):
            return free_text_cancel(dispatcher, "complaint_category")
        text = str(value or "").strip()
        category = complaint_category_parse(text)
        if category is None and (len(text.split()) >= 6 or len(re.findall(r"[\u3400-\u9fff]", text)) >= 12):
            # The customer told the story instead of picking a category: take it as it is.
            return {"complaint_category": "other", "complaint_description": text[:2000]}
        if category is None:
            dispatcher.utter_message(response="utter_complaint_category_invalid")
        return {"complaint_category": category}

    def validate_complaint_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if is_cancel(text):
            return free_text_cancel(dispatcher, "complaint_description")
        return {"complaint_description": text[:2000] or None}


class ActionFileComplaint(Action):
    def name(self) -> Text:
        return "action_file_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked"):
            return flow_reset()
        client = helpdesk()
        tracking_number = tracker.get_slot("tracking_number")
        if not tracking_number:
            try:
                shipments = client.shipments(tracker.sender_id)
            except (HelpdeskUnavailable, HelpdeskError):
                shipments = []
            tracking_number = shipments[0]["tracking_number"] if len(shipments) == 1 else None
        try:
            ticket = client.complaint(tracker.sender_id, tracker.get_slot("complaint_category") or "other",
                                      tracker.get_slot("complaint_description") or "", tracking_number)
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + flow_reset()
        except HelpdeskError as exc:
            logger.warning("complaint refused: %s", exc)
            dispatcher.utter_message(response="utter_service_unavailable")
            return flow_reset()
        dispatcher.utter_message(response="utter_complaint_filed", ticket_number=ticket["ticket_number"],
                                 first_response_hours=ticket.get("first_response_hours", ""))
        events = flow_reset()
        if ticket.get("urgent"):
            dispatcher.utter_message(response="utter_complaint_urgent")
            events += handoff(dispatcher, tracker, "urgent_complaint")
        return events


# ---------------------------------------------------------------------------
# Handoff and fallback
# ---------------------------------------------------------------------------
def handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    try:
        queued = helpdesk().handoff(tracker.sender_id, reason)
    except (HelpdeskUnavailable, HelpdeskError) as exc:
        return unavailable(dispatcher, exc)
    if queued.get("open_now", True):
        dispatcher.utter_message(response="utter_handoff_queued", queue_position=queued.get("queue_position", 1))
    else:
        dispatcher.utter_message(response="utter_handoff_closed", business_hours=queued.get("business_hours", ""))
    return [SlotSet("fallback_count", 0.0), ConversationPaused()]


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = []
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events + flow_reset() + handoff(dispatcher, tracker, "requested")


class ActionFallback(Action):
    """Not understood, or not about parcels. First time: say what the bot can do.
    Second time in a row: a colleague takes over."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count >= 2:
            return handoff(dispatcher, tracker, "fallback")
        out_of_scope = latest_intent(tracker) == "out_of_scope"
        dispatcher.utter_message(response="utter_out_of_scope" if out_of_scope else "utter_default")
        return [SlotSet("fallback_count", float(count))]


class ActionCancelForm(Action):
    def name(self) -> Text:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_cancelled")
        return [SlotSet("requested_slot", None)] + flow_reset()


# ---------------------------------------------------------------------------
# NPS
# ---------------------------------------------------------------------------
class ActionNpsStart(Action):
    def name(self) -> Text:
        return "action_nps_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return flow_reset() + [SlotSet("tracking_number", entity_tracking_number(tracker)
                                       or tracker.get_slot("tracking_number"))]


class ValidateNpsForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_nps_form"

    def validate_nps_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        score = nps_score_parse(str(value or ""))
        if score is None:
            dispatcher.utter_message(response="utter_nps_score_invalid")
            return {"nps_score": None}
        return {"nps_score": str(score)}

    def validate_nps_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        # "no" / "нет" / "cancel" is no comment (the score stands); a comment with a negation in it
        # ("не позвонил перед приездом") is a comment, whatever intent the model gave it.
        if not text or is_skip(text) or is_cancel(text):
            return {"nps_comment": SKIPPED}
        return {"nps_comment": text[:2000]}


class ActionRecordNps(Action):
    def name(self) -> Text:
        return "action_record_nps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        comment = tracker.get_slot("nps_comment")
        try:
            helpdesk().nps(tracker.sender_id, tracker.get_slot("tracking_number"), int(tracker.get_slot("nps_score")),
                           "" if comment in (None, SKIPPED) else comment)
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + flow_reset()
        except HelpdeskError as exc:
            if exc.code == "nps_already_answered":
                dispatcher.utter_message(response="utter_nps_already_answered")
            else:
                logger.warning("nps refused: %s", exc)
                dispatcher.utter_message(response="utter_service_unavailable")
            return flow_reset()
        dispatcher.utter_message(response="utter_nps_thanks")
        return flow_reset()
