"""Self-service actions (actions/selfservice.py) against the stand-in helpdesk on a real local HTTP server, and
what Rasa itself does with the self-service turns (slot mappings, RulePolicy trained on the rules).

As in test_actions.py: each action runs as the action server runs it, then the test checks what the customer
reads (the domain's response in their language, or the helpdesk's `answer`), the events Rasa gets back and the
requests that reached the helpdesk. Every documented refusal of the self-service API gets a polite line in the
customer's language (docs/bot-api.md, "Self-service").
"""
from __future__ import annotations

import socket

import pytest
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.events import ConversationPaused

from actions.actions import VERIFIED
from actions.selfservice import (
    ActionAskChosenPoint,
    ActionFaqPrefill,
    ActionFaqTopic,
    ActionPickupPoints,
    ActionPrefillPreference,
    ActionPrefillReturn,
    ActionServiceArea,
    ActionSetPreference,
    ActionShippingFee,
    ActionDeclineDamageClaim,
    ActionStartDamageClaim,
    ActionStartReturn,
    ValidatePickupPointsForm,
    ValidatePreferenceForm,
    ValidateReturnForm,
    ValidateServiceAreaForm,
    ValidateShippingFeeForm,
)
from tests.action_harness import domain, in_language, render, responses, run, slots_set, tracker
from tests.helpdesk_standin import HelpdeskStandin
from tests.test_form_rules import extracted, form_turn, next_action

LANGUAGES = ["en", "zh-hans", "zh-hant", "ru"]
TOKEN = "test-helpdesk-token"
SF, JD, RR = "SF1234567890123", "JD0088776655", "RR123456789CN"  # in transit, delivered, out for delivery
CODE = "482913"


@pytest.fixture
def helpdesk(monkeypatch):
    with HelpdeskStandin() as standin:
        monkeypatch.setenv("HELPDESK_URL", standin.url)
        monkeypatch.setenv("HELPDESK_API_TOKEN", TOKEN)
        monkeypatch.setenv("HELPDESK_TIMEOUT", "0.5")
        yield standin


@pytest.fixture
def helpdesk_down(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HELPDESK_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HELPDESK_API_TOKEN", TOKEN)
    monkeypatch.setenv("HELPDESK_TIMEOUT", "0.5")


def said(messages, language, slots=None):
    """The texts the customer reads; each must be in their language."""
    texts = render(messages, language, slots)
    for text in texts:
        assert in_language(text, language), text
    return texts


def faq_queries(helpdesk, endpoint):
    return [r.query for r in helpdesk.calls(f"^faq/{endpoint}/$")]


# ---------------------------------------------------------------------------
# Shipping fee: weight and place from the message, the fee from the helpdesk.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language, text, weight, city", [
    ("en", "how much to send 2.5kg to Shanghai?", "2.5", "Shanghai"),
    ("zh-hans", "寄2公斤到北京多少钱", "2", "北京"),
    ("zh-hant", "寄一公斤半去臺北幾錢？", "1.5", "臺北"),
    ("ru", "сколько стоит отправить 3 кг в Москву", "3", "Москва"),
])
def test_fee_question_finds_weight_and_place(helpdesk, language, text, weight, city):
    events, messages = run(ActionFaqPrefill(), tracker(text=text, intent="ask_shipping_fee", language=language))
    slots = slots_set(events)
    assert slots["weight"] == weight and slots["city"] == city and slots["place"]
    assert messages == []
    # The helpdesk decided which word is the place (Москву was tried and not known, Москва was).
    assert faq_queries(helpdesk, "service-area")[-1] == {"city": city, "language": language}

    events, messages = run(ActionShippingFee(), tracker(slots=slots, language=language))
    (query,) = faq_queries(helpdesk, "shipping-fee")
    assert query == {"weight_kg": weight, "city": city, "language": language}
    (text_out,) = said(messages, language)
    assert "CNY" in text_out and city in text_out  # the helpdesk's own sentence, as is
    assert all(e.get("value") is None for e in events if e.get("event") == "slot")  # the flow's slots cleared


def test_fee_question_without_weight_or_place_leaves_them_to_the_form(helpdesk):
    events, messages = run(ActionFaqPrefill(), tracker(text="how much does shipping cost?", intent="ask_shipping_fee"))
    slots = slots_set(events)
    assert slots.get("weight") is None and slots.get("place") is None and messages == []
    assert helpdesk.requests == []
    ask = said([{"response": "utter_ask_weight"}, {"response": "utter_ask_place"}], "zh-hans")
    assert "公斤" in ask[0]


@pytest.mark.parametrize("answer, weight", [("3", "3"), ("about 4 kg", "4"), ("два кило", "2"), ("500克", "0.5"),
                                            ("三斤", "1.5")])
def test_weight_answers(helpdesk, answer, weight):
    events, messages = run(ValidateShippingFeeForm(), tracker(
        text=answer, candidates={"weight": answer}, active_loop="shipping_fee_form", requested_slot="weight"))
    assert slots_set(events)["weight"] == weight and messages == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_weight_that_is_not_a_weight_is_asked_again(helpdesk, language):
    events, messages = run(ValidateShippingFeeForm(), tracker(
        text="heavy", candidates={"weight": "heavy"}, active_loop="shipping_fee_form", requested_slot="weight",
        language=language))
    assert slots_set(events)["weight"] is None
    assert responses(messages) == ["utter_weight_invalid"]
    said(messages, language)


@pytest.mark.parametrize("language, answer, city", [
    ("en", "to Moscow please", "Moscow"), ("ru", "в Санкт-Петербург", "Санкт-Петербург"),
    ("zh-hans", "乌鲁木齐市", "乌鲁木齐"), ("zh-hant", "香港", "香港"),
])
def test_place_answers_are_resolved_by_the_helpdesk(helpdesk, language, answer, city):
    events, messages = run(ValidateShippingFeeForm(), tracker(
        text=answer, slots={"weight": "2"}, candidates={"place": answer}, active_loop="shipping_fee_form",
        requested_slot="place", language=language))
    slots = slots_set(events)
    assert slots["city"] == city and slots["place"] and messages == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_place_is_asked_again_once_then_a_person_is_offered(helpdesk, language):
    step = dict(active_loop="shipping_fee_form", requested_slot="place", language=language)
    events, messages = run(ValidateShippingFeeForm(), tracker(text="Atlantis", slots={"weight": "2"},
                                                              candidates={"place": "Atlantis"}, **step))
    assert responses(messages) == ["utter_place_unknown"]
    assert "Atlantis" in said(messages, language)[0]
    assert slots_set(events)["place"] is None and slots_set(events)["place_attempts"] == 1.0
    events, messages = run(ValidateShippingFeeForm(), tracker(
        text="Atlantis city", slots={"weight": "2", "place_attempts": 1.0}, candidates={"place": "Atlantis city"},
        **step))
    assert responses(messages) == ["utter_place_unknown_final"]
    said(messages, language)
    assert slots_set(events)["flow_blocked"] is True
    _, messages = run(ActionShippingFee(), tracker(slots={"weight": "2", "flow_blocked": True}, language=language))
    assert messages == [] and helpdesk.calls("shipping-fee") == []


def fee(helpdesk, language="en", **slots):
    values = {"weight": "2", "place": "Beijing", "city": "Beijing", **slots}
    return run(ActionShippingFee(), tracker(slots=values, language=language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_fee_refusals_are_said_in_the_customers_language(helpdesk, language):
    # Not served (Lhasa is a known place the carrier does not deliver to).
    events, messages = fee(helpdesk, language, place="Lhasa", city="Lhasa")
    assert responses(messages) == ["utter_place_not_served"]
    assert "Lhasa" in said(messages, language)[0]
    # Over the zone's limit: the limit is named.
    _, messages = fee(helpdesk, language, weight="50")
    assert responses(messages) == ["utter_overweight"]
    assert "30.00" in said(messages, language)[0]


@pytest.mark.parametrize("code, response, cleared", [
    ("weight_invalid", "utter_weight_invalid", ["weight"]),
    ("weight_kg_invalid", "utter_weight_invalid", ["weight"]),
    ("place_unknown", "utter_place_unknown", ["place", "city", "postcode"]),
    ("place_required", "utter_place_unknown", ["place", "city", "postcode"]),
    ("city_invalid", "utter_place_unknown", ["place", "city", "postcode"]),
])
def test_fee_answers_the_helpdesk_cannot_use_are_asked_again(helpdesk, code, response, cleared):
    helpdesk.fail("/faq/shipping-fee/", 400, {"code": code, "detail": "…"})
    events, messages = fee(helpdesk, "ru")
    assert responses(messages) == [response]
    said(messages, "ru", {"place": "Beijing"})
    assert {name: None for name in cleared}.items() <= slots_set(events).items()
    assert events[-1] == {"event": "followup", "name": "shipping_fee_form", "timestamp": None}


def test_fee_other_refusal_or_outage_is_one_apology(helpdesk):
    helpdesk.fail("/faq/shipping-fee/", 400, {"code": "language_invalid", "detail": "…"})
    _, messages = fee(helpdesk, "zh-hant")
    assert responses(messages) == ["utter_service_unavailable"]
    said(messages, "zh-hant")


def test_fee_when_the_helpdesk_is_down(helpdesk_down):
    events, messages = run(ActionFaqPrefill(), tracker(text="寄2公斤到北京多少钱", intent="ask_shipping_fee",
                                                       language="zh-hans"))
    assert responses(messages) == ["utter_service_unavailable"]
    assert slots_set(events)["flow_blocked"] is True
    events, messages = fee(None, "zh-hans")
    assert responses(messages) == ["utter_service_unavailable"]
    said(messages, "zh-hans")


def test_fee_server_error_is_an_apology(helpdesk):
    helpdesk.fail("/faq/shipping-fee/", 503)
    _, messages = fee(helpdesk, "ru")
    assert responses(messages) == ["utter_service_unavailable"]


# ---------------------------------------------------------------------------
# Service area
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language, text, served", [
    ("en", "do you deliver to Urumqi?", True),
    ("zh-hans", "你们送不送乌鲁木齐", True),
    ("zh-hant", "你哋送唔送拉薩㗎", False),
    ("ru", "доставляете в Лхасу?", False),
])
def test_service_area(helpdesk, language, text, served):
    helpdesk.state.language["7"] = language
    events, messages = run(ActionFaqPrefill(), tracker(text=text, intent="ask_service_area", language=language))
    slots = slots_set(events)
    assert slots["city"] and messages == []
    events, messages = run(ActionServiceArea(), tracker(slots=slots, language=language))
    (answer,) = said(messages, language)
    assert helpdesk.calls("service-area")[-1].query["city"] == slots["city"]
    assert (("Urumqi" in answer or "乌鲁木齐" in answer) if served else ("Лхаса" in answer or "拉薩" in answer))


def test_unknown_place_twice_gets_the_helpdesks_not_served_answer(helpdesk):
    events, messages = run(ValidateServiceAreaForm(), tracker(
        text="Atlantis", slots={"place_attempts": 1.0}, candidates={"place": "Atlantis"},
        active_loop="service_area_form", requested_slot="place"))
    assert responses(messages) == ["utter_faq_answer"]
    assert render(messages, "en") == ["Sorry, we do not deliver to Atlantis yet."]
    assert slots_set(events)["flow_blocked"] is True


def test_postcode_alone_is_a_place(helpdesk):
    events, _ = run(ActionFaqPrefill(), tracker(text="do you deliver to 202150?", intent="ask_service_area"))
    slots = slots_set(events)
    assert slots["postcode"] == "202150" and slots["city"] == ""
    _, messages = run(ActionServiceArea(), tracker(slots=slots))
    assert "remote" in render(messages, "en")[0]


# ---------------------------------------------------------------------------
# Pickup points and opening hours
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language, text", [
    ("en", "where is the nearest locker in Shanghai"), ("zh-hans", "上海最近的快递柜在哪"),
    ("zh-hant", "上海邊度有智能櫃"), ("ru", "где ближайший постамат в Шанхае"),
])
def test_nearest_lockers(helpdesk, language, text):
    events, _ = run(ActionFaqPrefill(), tracker(text=text, intent="ask_pickup_points", language=language))
    slots = slots_set(events)
    assert slots["pickup_kind"] == "locker" and slots["place"]
    _, messages = run(ActionPickupPoints(), tracker(slots=slots, language=language))
    (answer,) = said(messages, language)
    assert "Locker Century Ave" in answer and "Pudong Station" not in answer
    assert helpdesk.calls("pickup-points")[-1].query["kind"] == "locker"


@pytest.mark.parametrize("language, text", [("en", "what time does the pickup station close?"),
                                            ("zh-hans", "驿站几点关门"), ("zh-hant", "自取點幾點開門"),
                                            ("ru", "до скольки работают пункты выдачи?")])
def test_opening_hours_without_a_place_are_answered_at_once(helpdesk, language, text):
    events, messages = run(ActionFaqPrefill(), tracker(text=text, intent="ask_pickup_points", language=language))
    assert responses(messages) == ["utter_faq_answer"]
    assert "09:00" in said(messages, language)[0]
    assert slots_set(events)["flow_blocked"] is True
    _, messages = run(ActionPickupPoints(), tracker(slots={"flow_blocked": True}, language=language))
    assert messages == []


def test_opening_hours_not_written_yet_asks_for_the_place(helpdesk):
    del helpdesk.state.faq["opening_hours"]
    events, messages = run(ActionFaqPrefill(), tracker(text="station opening hours?", intent="ask_pickup_points"))
    assert messages == [] and not slots_set(events).get("flow_blocked")


def test_nearest_points_where_there_are_none(helpdesk):
    _, messages = run(ActionPickupPoints(), tracker(slots={"place": "Beijing", "city": "Beijing"}, language="ru"))
    assert said(messages, "ru") == ["Пока у нас нет пунктов выдачи и постаматов в этом населённом пункте (Beijing)."]


def test_pickup_points_question_asks_for_a_place_and_takes_the_answer(helpdesk):
    events, messages = run(ActionFaqPrefill(), tracker(text="nearest parcel locker pls", intent="ask_pickup_points"))
    assert messages == [] and slots_set(events).get("place") is None
    events, messages = run(ValidatePickupPointsForm(), tracker(
        text="shanghai", slots={"pickup_kind": "locker"}, candidates={"place": "shanghai"},
        active_loop="pickup_points_form", requested_slot="place"))
    assert slots_set(events)["city"] == "shanghai"


def test_pickup_points_outage(helpdesk):
    helpdesk.fail("/faq/pickup-points/", 500)
    _, messages = run(ActionPickupPoints(), tracker(slots={"place": "Shanghai", "city": "Shanghai"}, language="ru"))
    assert responses(messages) == ["utter_service_unavailable"]
    said(messages, "ru")


# ---------------------------------------------------------------------------
# Prohibited items, damage claims
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_prohibited_items_answer_comes_from_the_helpdesk(helpdesk, language):
    _, messages = run(ActionFaqTopic(), tracker(text="?", intent="ask_prohibited_items", language=language))
    assert responses(messages) == ["utter_faq_answer"]
    (answer,) = said(messages, language)
    assert answer == helpdesk.state.faq["prohibited_items"][language]
    assert helpdesk.calls("faq/")[0].query == {"language": language}


@pytest.mark.parametrize("language", LANGUAGES)
def test_damage_claim_answer_then_a_claim_is_offered(helpdesk, language):
    offer, messages = run(ActionFaqTopic(), tracker(text="?", intent="ask_damage_claim", language=language))
    assert responses(messages) == ["utter_faq_answer", "utter_offer_damage_claim"]
    assert said(messages, language)[0] == helpdesk.state.faq["damage_claim"][language]
    assert slots_set(offer)["damage_claim_offered"] is True
    events, _ = run(ActionStartDamageClaim(), tracker(text="yes", intent="affirm", language=language))
    assert slots_set(events)["complaint_category"] == "damaged"
    assert slots_set(events)["damage_claim_offered"] is None
    events, messages = run(ActionDeclineDamageClaim(), tracker(text="no", intent="deny", language=language))
    assert responses(messages) == ["utter_how_can_help"] and slots_set(events)["damage_claim_offered"] is None
    said(messages, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_answer_not_written_yet_hands_over(helpdesk, language):
    del helpdesk.state.faq["prohibited_items"]
    events, messages = run(ActionFaqTopic(), tracker(text="?", intent="ask_prohibited_items", language=language))
    assert responses(messages) == ["utter_faq_not_found", "utter_handoff_queued"]
    said(messages, language, {"queue_position": 3})
    assert dict(ConversationPaused()) in events
    assert helpdesk.calls("handoff/$")[0].body == {"reason": "fallback"}


def test_faq_topic_when_the_helpdesk_is_down(helpdesk_down):
    events, messages = run(ActionFaqTopic(), tracker(text="?", intent="ask_damage_claim", language="ru"))
    assert responses(messages) == ["utter_service_unavailable"] and events == []


# ---------------------------------------------------------------------------
# Delivery preference: parcel, one-time code, door/station/locker, time slot or point, saved.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, method, slot", [
    ("from now on please leave my parcels in a locker", "locker", None),
    ("evenings only pls, I work all day", "door", "evening"),
    ("以后都送到驿站吧", "station", None),
    ("以後送貨上門，要晚上", "door", "evening"),
    ("приносите вечером, днём никого нет", "door", "evening"),
    ("хочу получать посылки в пункте выдачи", "station", None),
])
def test_preference_prefill_reads_the_message(helpdesk, text, method, slot):
    events, _ = run(ActionPrefillPreference(), tracker(text=text, intent="set_delivery_preference"))
    slots = slots_set(events)
    assert slots["tracking_number"] == SF  # the one parcel on file
    assert slots["delivery_method"] == method and slots["time_slot"] == slot


def preference_step(slot, text, slots=None, language="en", candidates=True):
    return tracker(text=text, slots={"tracking_number": SF, **(slots or {})},
                   candidates={slot: text} if candidates else None, active_loop="preference_form",
                   requested_slot=slot, language=language)


def test_preference_locker_with_a_one_time_code(helpdesk):
    # Activation: the prefilled parcel is checked and a code is sent.
    events, _ = run(ValidatePreferenceForm(), tracker(candidates={"tracking_number": SF, "delivery_method": "locker"},
                                                      active_loop="preference_form"))
    assert slots_set(events)["otp_sent_to"] == "•••• 1234" and slots_set(events)["requested_slot"] == "otp_code"
    # The code is free text the domain does not map for this form: the validation action takes it.
    events, messages = run(ValidatePreferenceForm(), preference_step("otp_code", CODE, {"delivery_method": "locker"},
                                                                     candidates=False))
    slots = slots_set(events)
    assert slots["otp_code"] == VERIFIED and responses(messages) == ["utter_verified"]
    assert [p["id"] for p in slots["offered_pickup_points"]] == [3]  # lockers with space only
    assert slots["requested_slot"] == "chosen_point"
    _, messages = run(ActionAskChosenPoint(), tracker(slots={"offered_pickup_points": slots["offered_pickup_points"]},
                                                      active_loop="preference_form", language="zh-hans"))
    assert responses(messages) == ["utter_ask_chosen_point_preference"]
    assert messages[0]["buttons"] == [{"title": "Locker Century Ave, 100 Century Avenue (24/7), 0.4 km",
                                       "payload": "1"}]
    events, _ = run(ValidatePreferenceForm(), preference_step("chosen_point", "1", {
        "delivery_method": "locker", "otp_code": VERIFIED, "offered_pickup_points": slots["offered_pickup_points"]}))
    assert slots_set(events)["chosen_point"] == "3" and slots_set(events)["requested_slot"] is None


def test_preference_code_and_number_answers_ignore_no_and_a_person(helpdesk):
    for intent in ("deny", "request_human"):
        events, _ = run(ValidatePreferenceForm(), tracker(text="no", intent=intent, slots={"tracking_number": SF},
                                                          active_loop="preference_form", requested_slot="otp_code"))
        assert "otp_code" not in slots_set(events)
    assert helpdesk.calls("confirm/") == []


def test_preference_door_and_time_slot(helpdesk):
    helpdesk.state.phone_matches = True
    events, _ = run(ValidatePreferenceForm(), preference_step("delivery_method", "1"))
    assert slots_set(events)["delivery_method"] == "door" and slots_set(events)["requested_slot"] == "otp_code"
    slots = {"delivery_method": "door", "otp_code": VERIFIED}
    events, messages = run(ValidatePreferenceForm(), preference_step("time_slot", "in the evening", slots))
    assert slots_set(events)["time_slot"] == "evening" and slots_set(events)["requested_slot"] is None
    events, messages = run(ValidatePreferenceForm(), preference_step("time_slot", "whatever", slots, "ru"))
    assert responses(messages) == ["utter_time_slot_invalid"] and slots_set(events)["time_slot"] is None
    said(messages, "ru")


@pytest.mark.parametrize("language", LANGUAGES)
def test_preference_method_answer_not_understood(helpdesk, language):
    events, messages = run(ValidatePreferenceForm(), preference_step("delivery_method", "hmm", {"otp_code": VERIFIED},
                                                                     language))
    assert responses(messages) == ["utter_delivery_method_invalid"]
    said(messages, language)


def test_no_station_near_the_address_asks_for_another_method(helpdesk):
    helpdesk.state.verified.add(SF)
    helpdesk.state.pickup_points = [p for p in helpdesk.state.pickup_points if p["kind"] == "locker"]
    events, messages = run(ValidatePreferenceForm(), preference_step("delivery_method", "2", {"otp_code": VERIFIED},
                                                                     "zh-hant"))
    assert responses(messages) == ["utter_no_points_station"]
    said(messages, "zh-hant")
    assert slots_set(events)["delivery_method"] is None and slots_set(events)["requested_slot"] == "delivery_method"


@pytest.mark.parametrize("language", LANGUAGES)
def test_preference_for_a_parcel_out_for_delivery_is_refused(helpdesk, language):
    helpdesk.state.language["7"] = language
    events, messages = run(ValidatePreferenceForm(), tracker(candidates={"tracking_number": RR},
                                                             active_loop="preference_form", language=language))
    assert responses(messages) == ["utter_not_changeable"]
    said(messages, language, {})
    assert slots_set(events)["flow_blocked"] is True
    assert helpdesk.calls("verification/") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_preference_saved(helpdesk, language):
    helpdesk.state.verified.add(SF)
    helpdesk.state.language["7"] = language
    slots = {"tracking_number": SF, "otp_code": VERIFIED, "delivery_method": "door", "time_slot": "evening"}
    events, messages = run(ActionSetPreference(), tracker(slots=slots, language=language))
    (answer,) = said(messages, language)
    assert "18:00–21:00" in answer and SF in answer
    (request,) = helpdesk.calls("preference/$")
    assert request.body == {"method": "door", "pickup_point_id": None, "time_slots": ["evening"],
                            "appointment_date": None, "instructions": ""}
    assert helpdesk.state.preferences[SF]["method"] == "door"
    assert slots_set(events)["delivery_method"] is None


def test_preference_locker_saved_with_its_point_and_any_time(helpdesk):
    helpdesk.state.verified.add(SF)
    slots = {"tracking_number": SF, "otp_code": VERIFIED, "delivery_method": "locker", "chosen_point": "3",
             "time_slot": "any"}
    _, messages = run(ActionSetPreference(), tracker(slots=slots))
    assert helpdesk.calls("preference/$")[0].body["pickup_point_id"] == 3
    assert helpdesk.calls("preference/$")[0].body["time_slots"] == []
    assert "Locker Century Ave" in render(messages, "en")[0]


def save_preference(helpdesk, language="en", **slots):
    values = {"tracking_number": SF, "otp_code": VERIFIED, "delivery_method": "station", "chosen_point": "4", **slots}
    return run(ActionSetPreference(), tracker(slots=values, language=language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_preference_refusals(helpdesk, language):
    helpdesk.state.language["7"] = language
    # The code was not confirmed (or has lapsed).
    events, messages = save_preference(helpdesk, language)
    assert responses(messages) == ["utter_verification_required"]
    said(messages, language)
    helpdesk.state.verified.add(SF)
    # Out for delivery meanwhile: its status in the customer's language.
    helpdesk.state.shipments[SF]["can_change"] = False
    helpdesk.state.shipments[SF]["status"] = "out_for_delivery"
    _, messages = save_preference(helpdesk, language)
    assert responses(messages) == ["utter_not_changeable"]
    assert in_language(render(messages, language)[0], language)
    helpdesk.state.shipments[SF]["can_change"] = True
    # A day too far ahead.
    _, messages = save_preference(helpdesk, language, appointment_date="2099-01-01")
    assert responses(messages) == ["utter_appointment_date_invalid"]
    said(messages, language)
    # A point outside the parcel's area.
    helpdesk.state.out_of_area_points.add(4)
    events, messages = save_preference(helpdesk, language)
    assert responses(messages) == ["utter_pickup_point_out_of_area"]
    said(messages, language)
    assert events[-1]["name"] == "preference_form"


@pytest.mark.parametrize("code, response, cleared", [
    ("method_invalid", "utter_delivery_method_invalid", ["delivery_method", "chosen_point"]),
    ("pickup_point_not_expected", "utter_delivery_method_invalid", ["delivery_method", "chosen_point"]),
    ("time_slots_invalid", "utter_time_slot_invalid", ["time_slot"]),
    ("pickup_point_required", "utter_pickup_point_gone", ["chosen_point", "delivery_method"]),
    ("pickup_point_not_found", "utter_pickup_point_gone", ["chosen_point", "delivery_method"]),
])
def test_preference_answers_the_helpdesk_rejects_are_asked_again(helpdesk, code, response, cleared):
    helpdesk.state.verified.add(SF)
    helpdesk.fail("/preference/$", 400 if "not_found" not in code else 404, {"code": code, "detail": "…"})
    events, messages = save_preference(helpdesk, "zh-hans")
    assert responses(messages) == [response]
    said(messages, "zh-hans")
    assert {name: None for name in cleared}.items() <= slots_set(events).items()
    assert events[-1] == {"event": "followup", "name": "preference_form", "timestamp": None}


@pytest.mark.parametrize("code", ["instructions_invalid", "shipment_not_found"])
def test_preference_other_refusals_are_polite(helpdesk, code):
    helpdesk.fail("/preference/$", 400, {"code": code, "detail": "…"})
    _, messages = save_preference(helpdesk, "ru")
    assert len(messages) == 1
    said(messages, "ru", {"tracking_number": SF})


def test_preference_when_the_helpdesk_is_down(helpdesk_down):
    _, messages = save_preference(None, "zh-hant")
    assert responses(messages) == ["utter_service_unavailable"]


# ---------------------------------------------------------------------------
# Returns: delivered parcel, one-time code, reason, pickup or drop-off, booked.
# ---------------------------------------------------------------------------
def test_return_prefill_takes_the_delivered_parcel_and_the_reason(helpdesk):
    helpdesk.state.customer_shipments = [SF, JD]
    text = "I want to return my order, the box arrived crushed and the lamp inside is broken"
    events, messages = run(ActionPrefillReturn(), tracker(text=text, intent="start_return"))
    slots = slots_set(events)
    assert slots["tracking_number"] == JD and slots["return_reason"] == "damaged"
    assert slots["return_comment"] == text and messages == []


def test_return_prefill_offers_the_delivered_parcels(helpdesk):
    helpdesk.state.shipments["SF0000000000001"] = dict(helpdesk.state.shipments[JD], tracking_number="SF0000000000001")
    helpdesk.state.customer_shipments = [SF, JD, "SF0000000000001"]
    events, _ = run(ActionPrefillReturn(), tracker(text="хочу вернуть посылку", intent="start_return", language="ru"))
    offered = slots_set(events)["offered_shipments"]
    assert [item["tracking_number"] for item in offered] == [JD, "SF0000000000001"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_return_of_a_parcel_not_delivered_yet_is_refused_before_the_code(helpdesk, language):
    helpdesk.state.language["7"] = language
    events, messages = run(ValidateReturnForm(), tracker(candidates={"tracking_number": SF}, active_loop="return_form",
                                                         language=language))
    assert responses(messages) == ["utter_return_not_delivered"]
    (text,) = said(messages, language, {})
    assert SF in text
    assert slots_set(events)["flow_blocked"] is True and helpdesk.calls("verification/") == []


def return_step(slot, text, slots=None, language="en", candidates=True):
    return tracker(text=text, slots={"tracking_number": JD, "otp_code": VERIFIED, **(slots or {})},
                   candidates={slot: text} if candidates else None, active_loop="return_form", requested_slot=slot,
                   language=language)


def test_return_drop_off_path(helpdesk):
    events, _ = run(ValidateReturnForm(), tracker(candidates={"tracking_number": JD}, active_loop="return_form"))
    assert slots_set(events)["requested_slot"] == "otp_code"
    events, _ = run(ValidateReturnForm(), tracker(text=f"code {CODE}", slots={"tracking_number": JD},
                                                  active_loop="return_form", requested_slot="otp_code"))
    assert slots_set(events)["otp_code"] == VERIFIED and slots_set(events)["requested_slot"] == "return_reason"
    events, _ = run(ValidateReturnForm(), return_step("return_reason", "2"))
    assert slots_set(events)["return_reason"] == "wrong_item"
    assert slots_set(events)["requested_slot"] == "return_method"
    events, _ = run(ValidateReturnForm(), return_step("return_method", "2", {"return_reason": "wrong_item"}))
    offered = slots_set(events)["offered_pickup_points"]
    assert [p["id"] for p in offered] == [3, 4] and slots_set(events)["requested_slot"] == "chosen_point"
    _, messages = run(ActionAskChosenPoint(), tracker(slots={"offered_pickup_points": offered},
                                                      active_loop="return_form", language="ru"))
    assert responses(messages) == ["utter_ask_chosen_point_return"]
    events, _ = run(ValidateReturnForm(), return_step("chosen_point", "2", {
        "return_reason": "wrong_item", "return_method": "drop_off", "offered_pickup_points": offered}))
    assert slots_set(events)["chosen_point"] == "4" and slots_set(events)["requested_slot"] is None


def test_return_reason_other_asks_for_a_comment(helpdesk):
    events, _ = run(ValidateReturnForm(), return_step("return_reason", "5"))
    assert slots_set(events)["requested_slot"] == "return_comment"
    events, _ = run(ValidateReturnForm(), return_step("return_comment", "skip", {"return_reason": "other"}))
    assert slots_set(events)["return_comment"] == "-" and slots_set(events)["requested_slot"] == "return_method"


@pytest.mark.parametrize("language", LANGUAGES)
def test_return_answers_not_understood(helpdesk, language):
    _, messages = run(ValidateReturnForm(), return_step("return_reason", "hmm", language=language))
    assert responses(messages) == ["utter_return_reason_invalid"]
    said(messages, language)
    _, messages = run(ValidateReturnForm(), return_step("return_method", "hmm", {"return_reason": "damaged"},
                                                        language))
    assert responses(messages) == ["utter_return_method_invalid"]
    said(messages, language)


def test_return_drop_off_without_points_near_falls_back_to_a_courier(helpdesk):
    for point in helpdesk.state.pickup_points:
        point["available"] = False
    events, messages = run(ValidateReturnForm(), return_step("return_method", "2", {"return_reason": "damaged"},
                                                             "zh-hans"))
    assert responses(messages) == ["utter_no_drop_off_points"]
    said(messages, "zh-hans")
    assert slots_set(events)["return_method"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_return_booked(helpdesk, language):
    helpdesk.state.verified.add(JD)
    helpdesk.state.language["7"] = language
    slots = {"tracking_number": JD, "otp_code": VERIFIED, "return_reason": "damaged", "return_method": "pickup",
             "return_comment": "the box was crushed"}
    events, messages = run(ActionStartReturn(), tracker(slots=slots, language=language))
    (answer,) = said(messages, language)
    rtn = helpdesk.state.returns[JD]["return_tracking_number"]
    assert rtn in answer and JD in answer
    assert helpdesk.calls("return/$")[0].body == {"reason": "damaged", "method": "pickup",
                                                  "comment": "the box was crushed"}
    assert slots_set(events)["tracking_number"] == rtn  # "where is it?" next tracks the return


def test_return_drop_off_booked(helpdesk):
    helpdesk.state.verified.add(JD)
    slots = {"tracking_number": JD, "otp_code": VERIFIED, "return_reason": "other", "return_method": "drop_off",
             "chosen_point": "4", "return_comment": "-"}
    _, messages = run(ActionStartReturn(), tracker(slots=slots))
    assert helpdesk.calls("return/$")[0].body == {"reason": "other", "method": "drop_off", "comment": "",
                                                  "pickup_point_id": 4}
    assert "Pudong Station" in render(messages, "en")[0]


def book_return(helpdesk, language="en", **slots):
    values = {"tracking_number": JD, "otp_code": VERIFIED, "return_reason": "damaged", "return_method": "pickup",
              **slots}
    return run(ActionStartReturn(), tracker(slots=values, language=language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_return_refusals(helpdesk, language):
    helpdesk.state.language["7"] = language
    _, messages = book_return(helpdesk, language)
    assert responses(messages) == ["utter_verification_required"]
    said(messages, language)
    helpdesk.state.verified |= {JD, SF}
    _, messages = book_return(helpdesk, language, tracking_number=SF)
    assert responses(messages) == ["utter_return_not_delivered"]
    assert "SF1234567890123" in said(messages, language, {})[0]
    helpdesk.state.return_window_closed.add(JD)
    _, messages = book_return(helpdesk, language)
    assert responses(messages) == ["utter_return_window_closed"]
    assert "14" in said(messages, language)[0]
    helpdesk.state.return_window_closed.clear()
    _, _ = book_return(helpdesk, language)
    rtn = helpdesk.state.returns[JD]["return_tracking_number"]
    _, messages = book_return(helpdesk, language)
    assert responses(messages) == ["utter_return_already_started"]
    assert rtn in said(messages, language)[0]
    helpdesk.state.verified.add(rtn)
    helpdesk.state.shipments[rtn]["status"] = "delivered"
    _, messages = book_return(helpdesk, language, tracking_number=rtn)
    assert responses(messages) == ["utter_return_of_return"]
    said(messages, language)


@pytest.mark.parametrize("code, status, response, cleared", [
    ("reason_invalid", 400, "utter_return_reason_invalid", ["return_reason"]),
    ("method_invalid", 400, "utter_return_method_invalid", ["return_method", "chosen_point"]),
    ("pickup_point_not_expected", 400, "utter_return_method_invalid", ["return_method", "chosen_point"]),
    ("pickup_point_required", 400, "utter_pickup_point_gone", ["chosen_point", "return_method"]),
    ("pickup_point_not_found", 404, "utter_pickup_point_gone", ["chosen_point", "return_method"]),
    ("comment_invalid", 400, "utter_return_comment_invalid", ["return_comment"]),
])
def test_return_answers_the_helpdesk_rejects_are_asked_again(helpdesk, code, status, response, cleared):
    helpdesk.fail("/return/$", status, {"code": code, "detail": "…"})
    events, messages = book_return(helpdesk, "zh-hant")
    assert responses(messages) == [response]
    said(messages, "zh-hant")
    assert {name: None for name in cleared}.items() <= slots_set(events).items()
    assert events[-1] == {"event": "followup", "name": "return_form", "timestamp": None}


def test_return_outage_and_unknown_refusal(helpdesk):
    helpdesk.fail("/return/$", 502)
    _, messages = book_return(helpdesk, "ru")
    assert responses(messages) == ["utter_service_unavailable"]
    helpdesk.failures.clear()
    helpdesk.fail("/return/$", 401, {"code": "not_authenticated", "detail": "…"})
    _, messages = book_return(helpdesk, "ru")
    assert responses(messages) == ["utter_service_unavailable"]
    said(messages, "ru")


# ---------------------------------------------------------------------------
# What Rasa does with these turns (slot mappings, RulePolicy trained on data/), without the NLU model.
# ---------------------------------------------------------------------------

FORM_QUESTIONS = [("shipping_fee_form", "weight", "3kg"), ("shipping_fee_form", "place", "Москва"),
                  ("service_area_form", "place", "乌鲁木齐"), ("pickup_points_form", "place", "Shanghai"),
                  ("preference_form", "delivery_method", "2"), ("preference_form", "time_slot", "3"),
                  ("preference_form", "chosen_point", "1"), ("return_form", "return_reason", "1"),
                  ("return_form", "return_method", "2"), ("return_form", "chosen_point", "1")]


def turns(*steps) -> DialogueStateTracker:
    events = []
    for step in steps:
        if step.startswith("action_"):
            events.append(ActionExecuted(step))
        elif "=" in step:  # a slot the previous action set: "damage_claim_offered=True"
            name, value = step.split("=")
            events.append(SlotSet(name, {"True": True, "None": None}.get(value, value)))
        else:
            events += [ActionExecuted("action_listen"), UserUttered(step, {"name": step, "confidence": 1.0})]
    return DialogueStateTracker.from_events("test", events, slots=domain().slots)


def test_yes_after_the_damage_claim_answer_starts_a_claim():
    assert next_action(turns("ask_damage_claim")) == "action_faq_topic"
    offer = ("ask_damage_claim", "action_faq_topic", "damage_claim_offered=True")
    assert next_action(turns(*offer, "affirm")) == "action_start_damage_claim"
    assert next_action(turns(*offer, "affirm", "action_start_damage_claim", "damage_claim_offered=None")) \
        == "complaint_form"
    assert next_action(turns(*offer, "deny")) == "action_decline_damage_claim"
    # "yes" anywhere else is still "how can I help?"; after the prohibited-items answer too.
    assert next_action(turns("affirm")) == "utter_how_can_help"
    assert next_action(turns("ask_prohibited_items", "action_faq_topic", "affirm")) == "utter_how_can_help"


@pytest.mark.parametrize("intent, first", [
    ("ask_shipping_fee", "action_faq_prefill"), ("ask_service_area", "action_faq_prefill"),
    ("ask_pickup_points", "action_faq_prefill"), ("ask_prohibited_items", "action_faq_topic"),
    ("set_delivery_preference", "action_prefill_preference"), ("start_return", "action_prefill_return"),
])
def test_each_intent_starts_its_flow(intent, first):
    assert next_action(turns(intent)) == first


@pytest.mark.parametrize("form, slot, answer", FORM_QUESTIONS)
def test_form_answers_are_taken_from_the_text(form, slot, answer):
    assert extracted(form_turn(form, slot, answer, "track_shipment"))[slot] == answer
    assert next_action(form_turn(form, slot, answer, "track_shipment", {slot: answer})) == form


@pytest.mark.parametrize("form, slot, answer", FORM_QUESTIONS + [("preference_form", "otp_code", CODE),
                                                                 ("return_form", "tracking_number", JD)])
@pytest.mark.parametrize("intent, then", [("deny", "action_cancel_form"), ("request_human", "action_handoff")])
def test_no_cancels_and_a_person_hands_over_inside_every_form(form, slot, answer, intent, then):
    tracker = form_turn(form, slot, "нет", intent)
    assert slot not in extracted(tracker)
    tracker.update(ActionExecutionRejected(form))  # the form found nothing to take, so the rules decide
    assert next_action(tracker) == "action_deactivate_loop"
