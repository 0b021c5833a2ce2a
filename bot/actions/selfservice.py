"""Self-service in chat (docs/bot-api.md, "Self-service"): FAQ answers (shipping fee, service area, pickup points and
opening hours, prohibited items, damage claims), a standing delivery preference, and returns.

What the customer reads as the answer is the helpdesk's `answer` field (staff edit the data behind it); the bot
only finds the weight and the place in the message, asks for what is missing and says the error lines.
Loaded by the action server with the rest of the `actions` package (`rasa_sdk --actions actions`).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.actions import (
    VERIFIED,
    ActionPrefillShipment,
    ChangeFormValidation,
    entity_tracking_number,
    flow_reset,
    handoff,
    helpdesk,
    language_of,
    latest_intent,
    latest_text,
    not_changeable_utter,
    options_utter,
    tracking_number_resolve,
    unavailable,
)
from actions.helpdesk_client import HelpdeskClient, HelpdeskError, HelpdeskUnavailable
from actions.selfservice_parsing import (
    appointment_date_find,
    delivery_method_answer,
    delivery_method_find,
    hours_question,
    pickup_kind_find,
    place_candidates,
    postcode_find,
    return_method_answer,
    return_method_find,
    return_reason_answer,
    return_reason_find,
    time_slot_answer,
    time_slot_find,
    weight_answer,
    weight_find,
)
from actions.understanding import is_skip, option_number

logger = logging.getLogger(__name__)

# Slots of the self-service flows; cleared when one of them starts and when it ends.
SELF_SERVICE_SLOTS = [
    "weight", "place", "city", "postcode", "pickup_kind", "place_attempts", "delivery_method", "time_slot",
    "appointment_date", "chosen_point", "return_reason", "return_comment", "return_method",
]
# Service-area look-ups to find which of the candidate words is the place (Москву -> Москва, 上海浦东 -> 上海).
MAX_PLACE_LOOKUPS = 6
# A place the helpdesk does not know is asked for again once; the second time the bot stops and offers a person.
MAX_PLACE_ATTEMPTS = 2
FAQ_FORMS = {"ask_shipping_fee": "shipping_fee_form", "ask_service_area": "service_area_form",
             "ask_pickup_points": "pickup_points_form"}
TOPICS = {"ask_prohibited_items": "prohibited-items", "ask_damage_claim": "damage-claim"}


def reset(*, keep: tuple = ()) -> List[EventType]:
    """Clear every flow slot (the existing flows' and the self-service ones)."""
    return flow_reset(keep=keep) + [SlotSet(name, None) for name in SELF_SERVICE_SLOTS if name not in keep]


def answer_utter(dispatcher: CollectingDispatcher, answer: Optional[str]) -> None:
    """The helpdesk's ready-to-say sentence, as is."""
    dispatcher.utter_message(response="utter_faq_answer", answer=(answer or "").strip() or "—")


def refused(dispatcher: CollectingDispatcher, exc: HelpdeskError) -> None:
    """A refusal the bot has no line for (a wrong token, a code added later): our problem, said politely."""
    logger.warning("self-service request refused: %s", exc)
    dispatcher.utter_message(response="utter_service_unavailable")


def long_enough(text: str) -> bool:
    """A message that says more than "I want to return it" (kept as the return's comment)."""
    return len(text.split()) >= 6 or len(re.findall(r"[\u3400-\u9fff]", text)) >= 12


# ---------------------------------------------------------------------------
# Places: the helpdesk decides which candidate is a place it knows.
# ---------------------------------------------------------------------------
def place_resolve(client: HelpdeskClient, language: str, candidates: List[str],
                  postcode: Optional[str]) -> Tuple[Optional[Dict[str, str]], Optional[dict]]:
    """({"city", "postcode", "place"}, service-area answer) for the first candidate the helpdesk knows, else
    (None, the last answer). A postcode alone is a place too. HelpdeskUnavailable is left to the caller."""
    postcode = postcode or ""
    tries = list(candidates[:MAX_PLACE_LOOKUPS])
    if postcode:
        tries.append("")
    last = None
    for city in tries:
        try:
            found = client.service_area(language, city=city, postcode=postcode)
        except HelpdeskError as exc:  # place_required, city_invalid: try the next candidate
            logger.info("place candidate %r refused: %s", city, exc.code)
            continue
        last = found
        if found.get("city"):
            return {"city": city, "postcode": postcode, "place": found.get("place") or city or postcode}, found
    return None, last


def place_slots(resolved: Dict[str, str]) -> Dict[str, Any]:
    return {"place": resolved["place"], "city": resolved["city"], "postcode": resolved["postcode"] or None}


class ActionFaqPrefill(Action):
    """Before the shipping-fee, service-area and pickup-point forms: the weight, place and kind the message names.

    A pickup-point question without a place that asks about opening hours is answered at once from the helpdesk's
    opening-hours answer; otherwise the form asks for what is missing.
    """

    def name(self) -> Text:
        return "action_faq_prefill"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = reset()
        text, intent, language = latest_text(tracker), latest_intent(tracker), language_of(tracker)
        if intent == "ask_shipping_fee":
            weight = weight_find(text)
            if weight:
                events.append(SlotSet("weight", weight))
        if intent == "ask_pickup_points":
            events.append(SlotSet("pickup_kind", pickup_kind_find(text)))
        candidates, postcode = place_candidates(text), postcode_find(text)
        client = helpdesk()
        resolved = None
        try:
            if candidates or postcode:
                resolved, _ = place_resolve(client, language, candidates, postcode)
            if resolved:
                return events + [SlotSet(name, value) for name, value in place_slots(resolved).items()]
            if intent == "ask_pickup_points" and hours_question(text):
                try:
                    answer_utter(dispatcher, client.faq_topic("opening-hours", language)["answer"])
                    return events + [SlotSet("flow_blocked", True)]
                except HelpdeskError as exc:
                    if exc.code != "faq_not_found":
                        raise
                    # Staff have not written the general answer: ask where, and list the nearest with their hours.
        except HelpdeskUnavailable as exc:
            unavailable(dispatcher, exc)
            return events + [SlotSet("flow_blocked", True)]
        except HelpdeskError as exc:
            refused(dispatcher, exc)
            return events + [SlotSet("flow_blocked", True)]
        return events


class FaqFormValidation(FormValidationAction, metaclass=ABCMeta):
    """The weight and place answers of the FAQ forms (abstract: the action server skips it)."""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("flow_blocked") else domain_slots

    def validate_weight(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[Text, Any]:
        weight = weight_answer(str(value or ""))
        if weight is None:
            dispatcher.utter_message(response="utter_weight_invalid")
        return {"weight": weight}

    def validate_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        if value and value == tracker.get_slot("place") and tracker.get_slot("city") is not None:
            return {"place": value}  # resolved by action_faq_prefill
        text = str(value or "").strip()
        language = language_of(tracker)
        client = helpdesk()
        try:
            resolved, last = place_resolve(client, language, place_candidates(text, answer=True), postcode_find(text))
        except HelpdeskUnavailable as exc:
            unavailable(dispatcher, exc)
            return {"place": None, "flow_blocked": True}
        if resolved:
            return {**place_slots(resolved), "place_attempts": None}
        attempts = int(tracker.get_slot("place_attempts") or 0) + 1
        if attempts < MAX_PLACE_ATTEMPTS:
            dispatcher.utter_message(response="utter_place_unknown", place=text[:60])
            return {"place": None, "city": None, "postcode": None, "place_attempts": float(attempts)}
        if self.name() == "validate_service_area_form" and last and last.get("answer"):
            answer_utter(dispatcher, last["answer"])  # the helpdesk's own "we do not deliver to … yet"
        else:
            dispatcher.utter_message(response="utter_place_unknown_final", place=text[:60])
        return {"place": None, "flow_blocked": True}


class ValidateShippingFeeForm(FaqFormValidation):
    def name(self) -> Text:
        return "validate_shipping_fee_form"


class ValidateServiceAreaForm(FaqFormValidation):
    def name(self) -> Text:
        return "validate_service_area_form"


class ValidatePickupPointsForm(FaqFormValidation):
    def name(self) -> Text:
        return "validate_pickup_points_form"


def ask_again(form: str, dispatcher: CollectingDispatcher, response: str, clear: List[str],
              **values: Any) -> List[EventType]:
    """Say why, forget the answers in `clear`, and let `form` ask for them again."""
    dispatcher.utter_message(response=response, **values)
    return [SlotSet(name, None) for name in clear] + [FollowupAction(form)]


PLACE_SLOTS = ["place", "city", "postcode"]


class ActionShippingFee(Action):
    def name(self) -> Text:
        return "action_shipping_fee"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked") or not tracker.get_slot("weight"):
            return reset()
        place = tracker.get_slot("place") or ""
        try:
            quote = helpdesk().shipping_fee(tracker.get_slot("weight"), language_of(tracker),
                                            city=tracker.get_slot("city") or "",
                                            postcode=tracker.get_slot("postcode") or "")
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + reset()
        except HelpdeskError as exc:
            form = "shipping_fee_form"
            if exc.code in ("weight_invalid", "weight_kg_invalid"):
                return ask_again(form, dispatcher, "utter_weight_invalid", ["weight"])
            if exc.code in ("place_required", "place_unknown", "city_invalid", "postcode_invalid"):
                return ask_again(form, dispatcher, "utter_place_unknown", PLACE_SLOTS, place=place or "—")
            if exc.code == "place_not_served":
                dispatcher.utter_message(response="utter_place_not_served", place=place)
            elif exc.code == "overweight":
                dispatcher.utter_message(response="utter_overweight", place=place,
                                         max_weight_kg=exc.body.get("max_weight_kg", "?"))
            else:
                refused(dispatcher, exc)
            return reset()
        answer_utter(dispatcher, quote.get("answer"))
        return reset()


class ActionServiceArea(Action):
    def name(self) -> Text:
        return "action_service_area"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked") or not tracker.get_slot("place"):
            return reset()
        try:
            found = helpdesk().service_area(language_of(tracker), city=tracker.get_slot("city") or "",
                                            postcode=tracker.get_slot("postcode") or "")
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + reset()
        except HelpdeskError as exc:
            if exc.code in ("place_required", "city_invalid", "postcode_invalid"):
                return ask_again("service_area_form", dispatcher, "utter_place_unknown", PLACE_SLOTS,
                                 place=tracker.get_slot("place") or "—")
            refused(dispatcher, exc)
            return reset()
        answer_utter(dispatcher, found.get("answer"))
        return reset()


class ActionPickupPoints(Action):
    def name(self) -> Text:
        return "action_pickup_points"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked") or not tracker.get_slot("place"):
            return reset()
        try:
            found = helpdesk().pickup_points_near(language_of(tracker), city=tracker.get_slot("city") or "",
                                                  postcode=tracker.get_slot("postcode") or "",
                                                  kind=tracker.get_slot("pickup_kind") or "")
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + reset()
        except HelpdeskError as exc:
            if exc.code in ("place_required", "city_invalid", "postcode_invalid"):
                return ask_again("pickup_points_form", dispatcher, "utter_place_unknown", PLACE_SLOTS,
                                 place=tracker.get_slot("place") or "—")
            refused(dispatcher, exc)
            return reset()
        answer_utter(dispatcher, found.get("answer"))
        return reset()


class ActionFaqTopic(Action):
    """Prohibited items and damage claims: the answer staff wrote; a damage claim is then offered.
    No answer written yet (404 faq_not_found): a colleague answers."""

    def name(self) -> Text:
        return "action_faq_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        intent = latest_intent(tracker)
        topic = TOPICS.get(intent or "", "prohibited-items")
        try:
            found = helpdesk().faq_topic(topic, language_of(tracker))
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc)
        except HelpdeskError as exc:
            if exc.code == "faq_not_found":
                dispatcher.utter_message(response="utter_faq_not_found")
                return handoff(dispatcher, tracker, "fallback")
            refused(dispatcher, exc)
            return []
        answer_utter(dispatcher, found.get("answer"))
        if topic == "damage-claim":
            dispatcher.utter_message(response="utter_offer_damage_claim")
            return [SlotSet("damage_claim_offered", True)]
        return [SlotSet("damage_claim_offered", None)]


class ActionDeclineDamageClaim(Action):
    """"No" to the damage-claim offer: the offer is withdrawn and the bot says what else it can do."""

    def name(self) -> Text:
        return "action_decline_damage_claim"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_how_can_help")
        return [SlotSet("damage_claim_offered", None)]


class ActionStartDamageClaim(Action):
    """"Yes" to the damage-claim offer: the complaint form, category damaged, asks for what happened."""

    def name(self) -> Text:
        return "action_start_damage_claim"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = reset(keep=("tracking_number",)) + [SlotSet("complaint_category", "damaged")]
        if entity_tracking_number(tracker):
            events.append(SlotSet("tracking_number", entity_tracking_number(tracker)))
        return events


# ---------------------------------------------------------------------------
# Forms that need the verified recipient: delivery preference and returns.
# ---------------------------------------------------------------------------
class VerifiedFormValidation(ChangeFormValidation):
    """Parcel -> one-time code (the existing flow) -> the form's own questions.

    The tracking number and the code are answers in free text: the domain maps them for the older forms only,
    so these forms take them from the message here (never "no" or "a person", which the interruption rules handle).
    """

    def refusal(self, dispatcher: CollectingDispatcher, view: dict) -> bool:
        """True (after saying why) when this parcel cannot go through the flow."""
        if not view.get("can_change"):
            dispatcher.utter_message(response="utter_not_changeable", tracking_number=view["tracking_number"],
                                     status_label=view.get("status_label") or view.get("status"))
            return True
        return False

    def _text_answer(self, tracker: Tracker, slot: str) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != slot or latest_intent(tracker) in ("deny", "request_human"):
            return {}
        text = latest_text(tracker).strip()
        return {slot: text} if text else {}

    async def extract_tracking_number(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._text_answer(tracker, "tracking_number")

    async def extract_otp_code(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._text_answer(tracker, "otp_code")

    def validate_tracking_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        tracking_number = tracking_number_resolve(value, tracker, dispatcher)
        if not tracking_number:
            return {"tracking_number": None}
        client = helpdesk()
        try:
            view = client.shipment(tracker.sender_id, tracking_number)
            if self.refusal(dispatcher, view):
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
                refused(dispatcher, exc)
            return {"tracking_number": tracking_number, "flow_blocked": True}
        if started.get("verified"):
            slots = {"tracking_number": tracking_number, "otp_code": VERIFIED}
            tracker.slots.update(slots)
            return {**slots, **self.after_verified(dispatcher, tracker, tracking_number)}
        return {"tracking_number": tracking_number, "otp_code": None, "otp_sent_to": started.get("sent_to")}

    def validate_chosen_point(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_pickup_points") or []
        index = option_number(str(value or ""), len(offered))
        if index is None:
            dispatcher.utter_message(response="utter_pickup_point_invalid")
            return {"chosen_point": None}
        return {"chosen_point": str(offered[index]["id"])}


def points_offer(dispatcher: CollectingDispatcher, tracker: Tracker, tracking_number: str,
                 kind: Optional[str]) -> Dict[Text, Any]:
    """The stations/lockers near the parcel's address (of `kind`, or both), with space, as numbered options.
    None near: `offered_pickup_points` is None and the caller says so."""
    try:
        points = helpdesk().pickup_points(tracker.sender_id, tracking_number)
    except HelpdeskUnavailable as exc:
        unavailable(dispatcher, exc)
        return {"flow_blocked": True}
    except HelpdeskError as exc:
        logger.warning("pickup points refused: %s", exc)
        points = []
    points = [p for p in points if p.get("available", True) and (kind is None or p.get("kind") == kind)][:9]
    if not points:
        return {"offered_pickup_points": None}
    return {"offered_pickup_points": [
        {"id": p["id"], "kind": p.get("kind"), "label": f"{p['name']}, {p['address']}"
         + (f" ({p['opening_hours']})" if p.get("opening_hours") else "")
         + (f", {p['distance_km']} km" if p.get("distance_km") is not None else "")} for p in points]}


def offered_kind(tracker: Tracker) -> Optional[str]:
    offered = tracker.get_slot("offered_pickup_points") or []
    kinds = {item.get("kind") for item in offered}
    return kinds.pop() if len(kinds) == 1 else ("any" if offered else None)


class ActionAskChosenPoint(Action):
    def name(self) -> Text:
        return "action_ask_chosen_point"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        response = ("utter_ask_chosen_point_return" if tracker.active_loop.get("name") == "return_form"
                    else "utter_ask_chosen_point_preference")
        options_utter(dispatcher, response, [item["label"] for item in tracker.get_slot("offered_pickup_points") or []])
        return []


# --- Delivery preference ------------------------------------------------------------------------------------------
class ActionPrefillPreference(ActionPrefillShipment):
    """Which parcel (as for the other changes), and the method, time slot and day the message already names:
    "evenings only" is door delivery in the evening."""

    def name(self) -> Text:
        return "action_prefill_preference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = [SlotSet(name, None) for name in SELF_SERVICE_SLOTS] + await super().run(dispatcher, tracker, domain)
        text = latest_text(tracker)
        method, slot = delivery_method_find(text), time_slot_find(text)
        if slot and method is None:
            method = "door"
        if method != "door":
            slot = None
        events += [SlotSet("delivery_method", method), SlotSet("time_slot", slot),
                   SlotSet("appointment_date", appointment_date_find(text, dt.date.today()))]
        return events


class ValidatePreferenceForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_preference_form"

    def form_slots(self, tracker: Tracker) -> List[Text]:
        method = tracker.get_slot("delivery_method")
        if method == "door":
            return ["delivery_method", "time_slot"]
        if method in ("station", "locker"):
            return ["delivery_method", "chosen_point"]
        return ["delivery_method"]

    def _points(self, dispatcher, tracker, method: str) -> Dict[Text, Any]:
        if offered_kind(tracker) == method:
            return {}
        offer = points_offer(dispatcher, tracker, tracker.get_slot("tracking_number"), method)
        if offer.get("flow_blocked"):
            return offer
        if not offer["offered_pickup_points"]:
            dispatcher.utter_message(response=f"utter_no_points_{method}")
            return {"delivery_method": None, "offered_pickup_points": None}
        return offer

    def after_verified(self, dispatcher, tracker, tracking_number) -> Dict[Text, Any]:
        method = tracker.get_slot("delivery_method")
        return self._points(dispatcher, tracker, method) if method in ("station", "locker") else {}

    def validate_delivery_method(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        method = delivery_method_answer(str(value or ""))
        if method is None:
            dispatcher.utter_message(response="utter_delivery_method_invalid")
            return {"delivery_method": None}
        if method == "door" or tracker.get_slot("otp_code") != VERIFIED:
            return {"delivery_method": method}
        tracker.slots["delivery_method"] = method
        return {"delivery_method": method, **self._points(dispatcher, tracker, method)}

    def validate_time_slot(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        slot = time_slot_answer(str(value or ""))
        if slot is None:
            dispatcher.utter_message(response="utter_time_slot_invalid")
        return {"time_slot": slot}


class ActionSetPreference(Action):
    def name(self) -> Text:
        return "action_set_preference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked"):
            return reset()
        tracking_number = tracker.get_slot("tracking_number")
        method = tracker.get_slot("delivery_method")
        slot = tracker.get_slot("time_slot")
        point = tracker.get_slot("chosen_point")
        try:
            result = helpdesk().preference_set(
                tracker.sender_id, tracking_number, method,
                pickup_point_id=int(point) if method != "door" and point else None,
                time_slots=[slot] if method == "door" and slot in ("morning", "afternoon", "evening") else [],
                appointment_date=tracker.get_slot("appointment_date"))
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + reset()
        except HelpdeskError as exc:
            form = "preference_form"
            if exc.code == "shipment_not_changeable":
                not_changeable_utter(dispatcher, tracker, tracking_number, exc)
            elif exc.code == "verification_required":
                dispatcher.utter_message(response="utter_verification_required")
            elif exc.code in ("method_invalid", "pickup_point_not_expected"):
                return ask_again(form, dispatcher, "utter_delivery_method_invalid",
                                 ["delivery_method", "chosen_point", "offered_pickup_points"])
            elif exc.code in ("time_slots_invalid", "time_slot_invalid"):
                return ask_again(form, dispatcher, "utter_time_slot_invalid", ["time_slot"])
            elif exc.code in ("pickup_point_required", "pickup_point_not_found"):
                return ask_again(form, dispatcher, "utter_pickup_point_gone",
                                 ["chosen_point", "offered_pickup_points", "delivery_method"])
            elif exc.code == "pickup_point_out_of_area":
                return ask_again(form, dispatcher, "utter_pickup_point_out_of_area",
                                 ["chosen_point", "offered_pickup_points", "delivery_method"])
            elif exc.code == "appointment_date_invalid":
                dispatcher.utter_message(response="utter_appointment_date_invalid")
            elif exc.code == "shipment_not_found":
                dispatcher.utter_message(response="utter_shipment_not_found", tracking_number=tracking_number)
            else:
                refused(dispatcher, exc)
            return reset()
        answer_utter(dispatcher, result.get("answer"))
        return reset()


# --- Returns ------------------------------------------------------------------------------------------------------
class ActionPrefillReturn(Action):
    """Which parcel (a number in the message, the one we were talking about, or the delivered ones on file), and the
    reason and method the message already names."""

    def name(self) -> Text:
        return "action_prefill_return"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = reset(keep=("tracking_number",))
        text = latest_text(tracker)
        reason, method = return_reason_find(text), return_method_find(text)
        events += [SlotSet("return_reason", reason), SlotSet("return_method", method)]
        if reason and long_enough(text):
            events.append(SlotSet("return_comment", text[:500]))
        if entity_tracking_number(tracker):
            return events + [SlotSet("tracking_number", entity_tracking_number(tracker))]
        current = tracker.get_slot("tracking_number")
        try:
            shipments = helpdesk().shipments(tracker.sender_id)
        except (HelpdeskUnavailable, HelpdeskError) as exc:
            logger.warning("shipment list failed: %s", exc)
            shipments = []
        delivered = [s for s in shipments if s.get("status") == "delivered"]
        if current and (current in [s["tracking_number"] for s in delivered] or not delivered):
            return events  # "I want to return it" right after tracking it
        candidates = delivered or shipments
        if len(candidates) == 1:
            return events + [SlotSet("tracking_number", candidates[0]["tracking_number"])]
        offered = [{"tracking_number": s["tracking_number"], "status_label": s.get("status_label") or s.get("status")}
                   for s in candidates[:9]]
        return events + [SlotSet("tracking_number", None), SlotSet("offered_shipments", offered or None)]


class ValidateReturnForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_return_form"

    def refusal(self, dispatcher: CollectingDispatcher, view: dict) -> bool:
        if view.get("status") != "delivered":
            dispatcher.utter_message(response="utter_return_not_delivered", tracking_number=view["tracking_number"],
                                     status_label=view.get("status_label") or view.get("status"))
            return True
        return False

    def form_slots(self, tracker: Tracker) -> List[Text]:
        slots = ["return_reason"]
        if tracker.get_slot("return_reason") == "other":
            slots.append("return_comment")
        slots.append("return_method")
        if tracker.get_slot("return_method") == "drop_off":
            slots.append("chosen_point")
        return slots

    def _points(self, dispatcher, tracker) -> Dict[Text, Any]:
        if tracker.get_slot("offered_pickup_points"):
            return {}
        offer = points_offer(dispatcher, tracker, tracker.get_slot("tracking_number"), None)
        if offer.get("flow_blocked"):
            return offer
        if not offer["offered_pickup_points"]:
            dispatcher.utter_message(response="utter_no_drop_off_points")
            return {"return_method": None, "offered_pickup_points": None}
        return offer

    def after_verified(self, dispatcher, tracker, tracking_number) -> Dict[Text, Any]:
        return self._points(dispatcher, tracker) if tracker.get_slot("return_method") == "drop_off" else {}

    def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        reason = return_reason_answer(str(value or ""))
        if reason is None:
            dispatcher.utter_message(response="utter_return_reason_invalid")
        return {"return_reason": reason}

    def validate_return_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())
        return {"return_comment": "-" if not text or is_skip(text) else text[:500]}

    def validate_return_method(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        method = return_method_answer(str(value or ""))
        if method is None:
            dispatcher.utter_message(response="utter_return_method_invalid")
            return {"return_method": None}
        if method == "pickup" or tracker.get_slot("otp_code") != VERIFIED:
            return {"return_method": method}
        return {"return_method": method, **self._points(dispatcher, tracker)}


class ActionStartReturn(Action):
    def name(self) -> Text:
        return "action_start_return"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("flow_blocked"):
            return reset()
        tracking_number = tracker.get_slot("tracking_number")
        method = tracker.get_slot("return_method")
        point = tracker.get_slot("chosen_point")
        comment = tracker.get_slot("return_comment") or ""
        try:
            result = helpdesk().return_start(
                tracker.sender_id, tracking_number, tracker.get_slot("return_reason"), method,
                pickup_point_id=int(point) if method == "drop_off" and point else None,
                comment="" if comment == "-" else comment[:500])
        except HelpdeskUnavailable as exc:
            return unavailable(dispatcher, exc) + reset()
        except HelpdeskError as exc:
            form = "return_form"
            body = exc.body
            if exc.code == "shipment_not_delivered":
                dispatcher.utter_message(response="utter_return_not_delivered", tracking_number=tracking_number,
                                         status_label=body.get("status_label") or "—")
            elif exc.code == "return_window_closed":
                dispatcher.utter_message(response="utter_return_window_closed", tracking_number=tracking_number,
                                         window_days=body.get("window_days", 14))
            elif exc.code == "return_already_started":
                dispatcher.utter_message(response="utter_return_already_started", tracking_number=tracking_number,
                                         return_tracking_number=body.get("return_tracking_number") or "—")
            elif exc.code == "return_of_return":
                dispatcher.utter_message(response="utter_return_of_return", tracking_number=tracking_number)
            elif exc.code == "verification_required":
                dispatcher.utter_message(response="utter_verification_required")
            elif exc.code == "reason_invalid":
                return ask_again(form, dispatcher, "utter_return_reason_invalid", ["return_reason"])
            elif exc.code in ("method_invalid", "pickup_point_not_expected"):
                return ask_again(form, dispatcher, "utter_return_method_invalid", ["return_method", "chosen_point"])
            elif exc.code in ("pickup_point_required", "pickup_point_not_found"):
                return ask_again(form, dispatcher, "utter_pickup_point_gone", ["chosen_point", "offered_pickup_points",
                                                                               "return_method"])
            elif exc.code in ("comment_invalid", "comment_too_long"):
                return [SlotSet("return_reason", "other")] + ask_again(
                    form, dispatcher, "utter_return_comment_invalid", ["return_comment"])
            elif exc.code == "shipment_not_found":
                dispatcher.utter_message(response="utter_shipment_not_found", tracking_number=tracking_number)
            else:
                refused(dispatcher, exc)
            return reset()
        answer_utter(dispatcher, result.get("answer"))
        return reset() + [SlotSet("tracking_number", result.get("return_tracking_number") or tracking_number)]
