"""Every custom action against a stand-in helpdesk on a real local HTTP server (tests/helpdesk_standin.py).

Each test runs an action the way the action server does (real rasa_sdk Tracker and CollectingDispatcher),
then checks what the customer reads (the domain's response in their language, filled as Rasa fills it),
the events Rasa gets back, and the requests that reached the helpdesk.
"""
from __future__ import annotations

import socket

import pytest
from rasa_sdk.executor import ActionExecutor

from actions.actions import (
    SKIPPED,
    VERIFIED,
    ActionAskDeliveryWindow,
    ActionAskPickupPoint,
    ActionAskTrackingNumber,
    ActionCancelForm,
    ActionChangeAddress,
    ActionFallback,
    ActionFileComplaint,
    ActionHandoff,
    ActionNpsStart,
    ActionPrefillShipment,
    ActionRecordNps,
    ActionReschedule,
    ActionStartComplaint,
    ActionTrackShipment,
    ValidateAddressForm,
    ValidateComplaintForm,
    ValidateNpsForm,
    ValidateRescheduleForm,
    ValidateSlotMappings,
    ValidateTrackForm,
)
from tests.action_harness import domain, in_language, render, responses, run, slots_set, tracker
from tests.helpdesk_standin import HelpdeskStandin, shipment_view

LANGUAGES = ["en", "zh-hans", "zh-hant", "ru"]
TOKEN = "test-helpdesk-token"
SF = "SF1234567890123"


@pytest.fixture
def helpdesk(monkeypatch):
    with HelpdeskStandin() as standin:
        monkeypatch.setenv("HELPDESK_URL", standin.url)
        monkeypatch.setenv("HELPDESK_API_TOKEN", TOKEN)
        monkeypatch.setenv("HELPDESK_TIMEOUT", "0.5")
        yield standin


@pytest.fixture
def helpdesk_down(monkeypatch):
    """Nothing listens on the helpdesk's port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HELPDESK_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HELPDESK_API_TOKEN", TOKEN)
    monkeypatch.setenv("HELPDESK_TIMEOUT", "0.5")


def only_sorry(messages, language):
    """The customer got one polite apology in their language and nothing else."""
    assert responses(messages) == ["utter_service_unavailable"]
    (text,) = render(messages, language)
    assert in_language(text, language)
    return text


# ---------------------------------------------------------------------------
# Wiring: every action the domain names exists in the action server, and vice versa.
# ---------------------------------------------------------------------------
def test_every_domain_action_is_served():
    # As the action server loads them: `rasa_sdk --actions actions` imports every module of the package.
    executor = ActionExecutor()
    executor.register_package("actions")
    served = set(executor.actions)
    custom = {name for name in domain().user_actions if not name.startswith("utter_")}
    assert custom - {"action_validate_slot_mappings"} <= served
    assert served <= custom | {"action_validate_slot_mappings"}


def test_requests_carry_the_token_and_json(helpdesk):
    run(ActionTrackShipment(), tracker(intent="track_shipment", slots={"tracking_number": SF}))
    (request,) = helpdesk.calls("^shipments/")
    assert request.headers["authorization"] == f"Token {TOKEN}"
    assert request.path == f"/api/v1/bot/conversations/7/shipments/{SF}/"


def test_wrong_token_is_a_polite_reply_not_a_crash(helpdesk, monkeypatch):
    monkeypatch.setenv("HELPDESK_API_TOKEN", "stale-token")
    events, messages = run(ActionTrackShipment(), tracker(intent="track_shipment", slots={"tracking_number": SF}))
    # A misconfigured token is our problem: the customer must not be told the parcel does not exist.
    assert responses(messages) == ["utter_service_unavailable"]
    assert "tracking_number" not in slots_set(events)  # the number is kept for a retry


# ---------------------------------------------------------------------------
# action_validate_slot_mappings: the reply language follows the customer.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, language", [
    ("where is my parcel?", "en"),
    ("我的快递到哪了", "zh-hans"),
    ("我的包裹到咗邊度", "zh-hant"),
    ("где моя посылка", "ru"),
])
def test_language_detected_and_saved_on_the_customer(helpdesk, text, language):
    current = "ru" if language == "en" else "en"
    events, messages = run(ValidateSlotMappings(), tracker(text=text, intent="track_shipment", language=current))
    assert slots_set(events)["language"] == language
    (request,) = helpdesk.calls("^language/$")
    assert request.body == {"language": language}
    assert messages == []


def test_same_language_is_not_saved_again(helpdesk):
    events, _ = run(ValidateSlotMappings(), tracker(text="где моя посылка", intent="track_shipment", language="ru"))
    assert "language" not in slots_set(events)
    assert helpdesk.calls("^language/") == []


def test_ambiguous_chinese_keeps_the_customers_script(helpdesk):
    events, _ = run(ValidateSlotMappings(), tracker(text="好的", intent="affirm", language="zh-hant"))
    assert "language" not in slots_set(events)


def test_language_from_channel_metadata_when_the_message_has_no_letters(helpdesk):
    events, _ = run(ValidateSlotMappings(), tracker(text="482913", language=None, metadata={"language": "ru"}))
    assert slots_set(events)["language"] == "ru"


def test_language_still_follows_the_customer_when_the_helpdesk_is_down(helpdesk_down):
    events, messages = run(ValidateSlotMappings(), tracker(text="我的快递到哪了", intent="track_shipment"))
    assert slots_set(events)["language"] == "zh-hans"
    assert messages == []


def test_fallback_counter_resets_on_an_understood_message(helpdesk):
    events, _ = run(ValidateSlotMappings(), tracker(text="where is my parcel", intent="track_shipment",
                                                    slots={"fallback_count": 1.0}))
    assert slots_set(events)["fallback_count"] == 0.0
    events, _ = run(ValidateSlotMappings(), tracker(text="asdf qwer", intent="nlu_fallback",
                                                    slots={"fallback_count": 1.0}))
    assert "fallback_count" not in slots_set(events)


# ---------------------------------------------------------------------------
# action_prefill_shipment / action_ask_tracking_number / validate_track_form
# ---------------------------------------------------------------------------
def test_number_in_the_message_wins_without_asking_the_helpdesk(helpdesk):
    text = f"我的快递{SF}到哪了"
    events, _ = run(ActionPrefillShipment(), tracker(text=text, intent="track_shipment", tracking_number=SF))
    assert slots_set(events)["tracking_number"] == SF
    assert helpdesk.requests == []


def test_one_parcel_on_file_needs_no_number(helpdesk):
    events, messages = run(ActionPrefillShipment(), tracker(text="where is my parcel", intent="track_shipment"))
    assert slots_set(events)["tracking_number"] == SF
    assert helpdesk.endpoints() == ["GET shipments/"]
    assert messages == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_several_parcels_are_offered_as_a_numbered_list(helpdesk, language):
    helpdesk.state.customer_shipments = [SF, "YT9876543210"]
    helpdesk.state.language["7"] = language
    events, _ = run(ActionPrefillShipment(), tracker(text="?", intent="track_shipment", language=language))
    offered = slots_set(events)["offered_shipments"]
    assert [item["tracking_number"] for item in offered] == [SF, "YT9876543210"]
    assert slots_set(events)["tracking_number"] is None

    slots = {"offered_shipments": offered}
    _, messages = run(ActionAskTrackingNumber(), tracker(language=language, slots=slots))
    assert responses(messages) == ["utter_choose_shipment"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["1", "2"]
    assert messages[0]["buttons"][1]["title"].startswith("YT9876543210 (")
    assert in_language(render(messages, language)[0], language)

    events, messages = run(ValidateTrackForm(), tracker(text="2", slots=slots, candidates={"tracking_number": "2"},
                                                        active_loop="track_form", requested_slot="tracking_number",
                                                        language=language))
    assert slots_set(events)["tracking_number"] == "YT9876543210"
    assert messages == []


def test_no_parcels_on_file_asks_for_the_number(helpdesk):
    helpdesk.state.customer_shipments = []
    events, _ = run(ActionPrefillShipment(), tracker(text="where's my stuff", intent="track_shipment"))
    assert slots_set(events)["offered_shipments"] is None
    _, messages = run(ActionAskTrackingNumber(), tracker())
    assert responses(messages) == ["utter_ask_tracking_number"]


def test_prefill_when_the_helpdesk_is_down_just_asks(helpdesk_down):
    events, messages = run(ActionPrefillShipment(), tracker(text="where is my parcel", intent="track_shipment"))
    assert slots_set(events)["tracking_number"] is None
    assert messages == []


def test_reschedule_it_right_after_tracking_keeps_the_parcel(helpdesk):
    events, _ = run(ActionPrefillShipment(), tracker(text="can you deliver it tomorrow instead",
                                                     intent="reschedule_delivery", slots={"tracking_number": SF}))
    assert "tracking_number" not in slots_set(events)
    assert helpdesk.requests == []


def test_not_a_tracking_number_is_asked_again(helpdesk):
    events, messages = run(ValidateTrackForm(), tracker(text="hmm not sure", candidates={"tracking_number": "hmm not sure"},
                                                        active_loop="track_form", requested_slot="tracking_number"))
    assert slots_set(events)["tracking_number"] is None
    assert responses(messages) == ["utter_tracking_number_invalid"]


def test_track_form_asks_nothing_once_blocked(helpdesk):
    events, _ = run(ValidateTrackForm(), tracker(slots={"flow_blocked": True}, active_loop="track_form",
                                                 requested_slot="tracking_number"))
    assert slots_set(events)["requested_slot"] is None


# ---------------------------------------------------------------------------
# action_track_shipment
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language, eta_words", [
    ("en", "Tue 24 Nov 09:00–12:00"), ("zh-hans", "11月24日（周二）"), ("zh-hant", "11月24日（週二）"),
    ("ru", "24 ноября (вт)"),
])
def test_status_last_event_and_eta_in_the_customers_language(helpdesk, language, eta_words):
    helpdesk.state.phone_matches = True
    helpdesk.state.language["7"] = language
    events, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF}, language=language))
    assert responses(messages) == ["utter_shipment_status"]
    (text,) = render(messages, language)
    assert SF in text and eta_words in text and "Arrived at Shanghai Pudong station" in text
    assert in_language(text, language)
    assert {"en": "In transit", "zh-hans": "运输中", "zh-hant": "運送中", "ru": "В пути"}[language] in text
    assert slots_set(events)["flow_blocked"] is None  # the flow's slots are cleared for the next one
    assert helpdesk.endpoints() == [f"GET shipments/{SF}/"]


def test_delivered_parcel_shows_proof_of_delivery(helpdesk):
    helpdesk.state.phone_matches = True
    _, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": "JD0088776655"}, language="zh-hans"))
    assert responses(messages) == ["utter_shipment_delivered"]
    (text,) = render(messages, "zh-hans")
    assert "11月22日（周日） 15:42" in text and "W. Li" in text and "https://pod.example/SF1.jpg" in text


def test_unverified_sender_sees_only_a_masked_status(helpdesk):
    _, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": "JD0088776655"}, language="ru"))
    # Delivered, but masked: no proof of delivery for a stranger, and a note why.
    assert responses(messages) == ["utter_shipment_status", "utter_shipment_masked_note"]
    texts = render(messages, "ru")
    assert "pod.example" not in " ".join(texts)
    assert all(in_language(text, "ru") for text in texts)


def test_unknown_parcel_says_so_and_forgets_the_number(helpdesk):
    events, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": "SF0000000000"}, language="zh-hant"))
    assert responses(messages) == ["utter_shipment_not_found"]
    assert "SF0000000000" in render(messages, "zh-hant")[0]
    assert slots_set(events)["tracking_number"] is None


def test_too_many_lookups_is_a_rate_limit_reply(helpdesk):
    helpdesk.state.lookups_left = 0
    _, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF}))
    assert responses(messages) == ["utter_rate_limited"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_helpdesk_5xx_is_a_polite_apology(helpdesk, language):
    helpdesk.fail("/shipments/", 502)
    events, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF}, language=language))
    only_sorry(messages, language)
    assert slots_set(events)["flow_blocked"] is None


def test_helpdesk_timeout_is_a_polite_apology(helpdesk):
    helpdesk.fail("/shipments/", status=200, body={}, delay=1.5)  # slower than HELPDESK_TIMEOUT
    _, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF}, language="ru"))
    only_sorry(messages, "ru")


def test_helpdesk_down_is_a_polite_apology(helpdesk_down):
    _, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF}, language="zh-hans"))
    only_sorry(messages, "zh-hans")


def test_track_does_nothing_when_blocked(helpdesk):
    events, messages = run(ActionTrackShipment(), tracker(slots={"tracking_number": SF, "flow_blocked": True}))
    assert messages == [] and helpdesk.requests == []


# ---------------------------------------------------------------------------
# validate_reschedule_form / action_ask_delivery_window / action_reschedule
# ---------------------------------------------------------------------------
def reschedule_step(slot, value, slots=None, language="en"):
    return tracker(text=str(value), slots=slots, candidates={slot: value}, active_loop="reschedule_form",
                   requested_slot=slot, language=language)


def test_a_code_is_sent_to_the_phone_on_file(helpdesk):
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", SF))
    # Rasa's form asks for the next empty slot, the code.
    assert slots_set(events) == {"tracking_number": SF, "otp_code": None, "otp_sent_to": "•••• 1234"}
    assert helpdesk.endpoints() == [f"GET shipments/{SF}/", f"POST shipments/{SF}/verification/"]
    assert helpdesk.calls("verification/$")[0].body == {}
    # The form then asks for the code, naming where it went.
    ask = render([{"response": "utter_ask_otp_code"}], "ru", slots={"otp_sent_to": "•••• 1234"})[0]
    assert "•••• 1234" in ask and in_language(ask, "ru")


@pytest.mark.parametrize("language, label", [
    ("en", "Wed 25 Nov 09:00–12:00"), ("zh-hans", "11月25日（周三） 09:00–12:00"),
    ("zh-hant", "11月25日（週三） 09:00–12:00"), ("ru", "25 ноября (ср) 09:00–12:00"),
])
def test_right_code_verifies_and_offers_only_windows_with_capacity(helpdesk, language, label):
    helpdesk.state.otp_sends = 1
    events, messages = run(ValidateRescheduleForm(), reschedule_step("otp_code", "My code is 482913",
                                                                     {"tracking_number": SF}, language))
    slots = slots_set(events)
    assert slots["otp_code"] == VERIFIED
    assert [w["id"] for w in slots["offered_windows"]] == [17, 18]  # 19 is full
    assert slots["offered_windows"][0]["label"] == label
    assert slots["requested_slot"] == "delivery_window"
    assert responses(messages) == ["utter_verified"]
    assert in_language(render(messages, language)[0], language)
    assert helpdesk.calls("confirm/$")[0].body == {"code": "482913"}

    _, messages = run(ActionAskDeliveryWindow(), tracker(slots={"offered_windows": slots["offered_windows"]},
                                                         language=language))
    assert responses(messages) == ["utter_ask_delivery_window"]
    assert [b["title"] for b in messages[0]["buttons"]][0] == label
    assert [b["payload"] for b in messages[0]["buttons"]] == ["1", "2"]


def test_phone_on_file_skips_the_code(helpdesk):
    helpdesk.state.phone_matches = True
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", SF))
    assert slots_set(events)["otp_code"] == VERIFIED
    assert slots_set(events)["requested_slot"] == "delivery_window"
    assert messages == []


def test_wrong_code_says_how_many_tries_are_left(helpdesk):
    events, messages = run(ValidateRescheduleForm(), reschedule_step("otp_code", "111111", {"tracking_number": SF},
                                                                     "zh-hans"))
    assert slots_set(events)["otp_code"] is None
    assert responses(messages) == ["utter_otp_invalid"]
    assert "2" in render(messages, "zh-hans")[0]
    assert SF not in helpdesk.state.verified


def test_expired_code_sends_a_new_one(helpdesk):
    helpdesk.state.otp_expired = True
    events, messages = run(ValidateRescheduleForm(), reschedule_step("otp_code", "482913", {"tracking_number": SF}))
    assert responses(messages) == ["utter_otp_expired"]
    assert slots_set(events)["otp_sent_to"] == "•••• 1234"
    assert helpdesk.endpoints()[-1] == f"POST shipments/{SF}/verification/"


def test_too_many_wrong_codes_stops_the_flow(helpdesk):
    helpdesk.state.otp_attempts_left = 1
    events, messages = run(ValidateRescheduleForm(), reschedule_step("otp_code", "000000", {"tracking_number": SF}))
    assert responses(messages) == ["utter_otp_locked"]
    assert slots_set(events)["flow_blocked"] is True
    assert slots_set(events)["requested_slot"] is None  # the form ends; action_reschedule does nothing


def test_too_many_codes_requested(helpdesk):
    helpdesk.state.otp_sends = helpdesk.state.otp_send_limit
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", SF))
    assert responses(messages) == ["utter_otp_too_many"]
    assert slots_set(events)["flow_blocked"] is True


@pytest.mark.parametrize("language, label", [("en", "Out for delivery"), ("ru", "Передана курьеру")])
def test_out_for_delivery_is_refused_politely_before_any_code(helpdesk, language, label):
    helpdesk.state.language["7"] = language
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", "RR123456789CN",
                                                                     language=language))
    assert responses(messages) == ["utter_not_changeable"]
    text = render(messages, language)[0]
    assert "RR123456789CN" in text and label in text
    assert slots_set(events)["flow_blocked"] is True and slots_set(events)["requested_slot"] is None
    assert helpdesk.calls("verification") == []


def test_unknown_parcel_in_the_reschedule_form_is_asked_again(helpdesk):
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", "YT1111111111"))
    assert responses(messages) == ["utter_shipment_not_found"]
    assert slots_set(events)["tracking_number"] is None


def test_helpdesk_down_in_the_reschedule_form(helpdesk_down):
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", SF, language="zh-hant"))
    only_sorry(messages, "zh-hant")
    assert slots_set(events)["flow_blocked"] is True


def test_no_free_windows_ends_the_form_with_an_explanation(helpdesk):
    helpdesk.state.phone_matches = True
    for window in helpdesk.state.windows:
        window["remaining"] = 0
    events, messages = run(ValidateRescheduleForm(), reschedule_step("tracking_number", SF))
    assert responses(messages) == ["utter_no_windows"]
    assert slots_set(events)["flow_blocked"] is True


OFFERED = [{"id": 17, "label": "Wed 25 Nov 09:00–12:00"}, {"id": 18, "label": "Wed 25 Nov 18:00–21:00"}]


def test_window_picked_by_number_or_words(helpdesk):
    for answer in ("2", "the second one", "второй", "第二个"):
        events, messages = run(ValidateRescheduleForm(), reschedule_step(
            "delivery_window", answer, {"tracking_number": SF, "otp_code": VERIFIED, "offered_windows": OFFERED}))
        assert slots_set(events)["delivery_window"] == "18", answer
        assert slots_set(events)["window_label"] == "Wed 25 Nov 18:00–21:00"
        assert slots_set(events)["requested_slot"] == "confirmed"
    events, messages = run(ValidateRescheduleForm(), reschedule_step(
        "delivery_window", "5", {"tracking_number": SF, "otp_code": VERIFIED, "offered_windows": OFFERED}))
    assert slots_set(events)["delivery_window"] is None
    assert responses(messages) == ["utter_window_invalid"]


def confirmed_reschedule(**extra):
    return {"tracking_number": SF, "otp_code": VERIFIED, "offered_windows": OFFERED, "delivery_window": "18",
            "window_label": "Wed 25 Nov 18:00–21:00", "confirmed": True, **extra}


@pytest.mark.parametrize("language", LANGUAGES)
def test_reschedule_books_the_window_and_says_so(helpdesk, language):
    helpdesk.state.verified.add(SF)
    events, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule(), language=language))
    assert responses(messages) == ["utter_rescheduled"]
    text = render(messages, language)[0]
    assert SF in text and "18:00–21:00" in text and in_language(text, language)
    (request,) = helpdesk.calls("reschedule/$")
    assert request.method == "POST" and request.body == {"window_id": 18}
    assert helpdesk.state.shipments[SF]["promised_window"]["start"] == "18:00"
    assert slots_set(events)["delivery_window"] is None


def test_no_means_nothing_changes(helpdesk):
    _, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule(confirmed=False)))
    assert responses(messages) == ["utter_not_confirmed"]
    assert helpdesk.requests == []


def test_window_filled_meanwhile_offers_the_rest(helpdesk):
    helpdesk.state.verified.add(SF)
    helpdesk.state.windows[1]["remaining"] = 0
    events, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule()))
    assert responses(messages) == ["utter_window_full"]
    assert [w["id"] for w in slots_set(events)["offered_windows"]] == [17]
    assert {"event": "followup", "name": "reschedule_form"} in [
        {k: e[k] for k in ("event", "name")} for e in events if e["event"] == "followup"]


def test_parcel_left_with_the_courier_meanwhile(helpdesk):
    helpdesk.state.verified.add(SF)
    helpdesk.state.shipments[SF].update(status="out_for_delivery", can_change=False)
    helpdesk.state.language["7"] = "zh-hans"
    _, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule(), language="zh-hans"))
    assert responses(messages) == ["utter_not_changeable"]
    assert "派送中" in render(messages, "zh-hans")[0]  # the status now, in the customer's words
    assert helpdesk.endpoints()[-1] == f"GET shipments/{SF}/"


def test_reschedule_with_the_helpdesk_down(helpdesk_down):
    _, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule(), language="ru"))
    only_sorry(messages, "ru")


def test_reschedule_does_nothing_when_blocked(helpdesk):
    _, messages = run(ActionReschedule(), tracker(slots=confirmed_reschedule(flow_blocked=True)))
    assert messages == [] and helpdesk.requests == []


# ---------------------------------------------------------------------------
# validate_address_form / action_ask_pickup_point / action_change_address
# ---------------------------------------------------------------------------
def address_step(slot, value, slots=None, language="en"):
    return tracker(text=str(value), slots={"tracking_number": SF, "otp_code": VERIFIED, **(slots or {})},
                   candidates={slot: value}, active_loop="address_form", requested_slot=slot, language=language)


def test_new_address_path(helpdesk):
    helpdesk.state.verified.add(SF)
    events, _ = run(ValidateAddressForm(), address_step("change_choice", "1"))
    assert slots_set(events)["change_choice"] == "address"
    assert slots_set(events)["requested_slot"] == "new_address"

    events, messages = run(ValidateAddressForm(), address_step("new_address", "flat 2", {"change_choice": "address"}))
    assert responses(messages) == ["utter_address_invalid"]
    assert slots_set(events)["new_address"] is None

    address = "上海市浦东新区世纪大道100号 2单元 1203室"
    events, messages = run(ValidateAddressForm(), address_step("new_address", address, {"change_choice": "address"}))
    assert slots_set(events)["change_target"] == address
    assert slots_set(events)["requested_slot"] == "confirmed"

    slots = {"change_choice": "address", "new_address": address, "change_target": address, "confirmed": True}
    events, messages = run(ActionChangeAddress(), tracker(slots={"tracking_number": SF, **slots}, language="zh-hans"))
    assert responses(messages) == ["utter_address_changed"]
    assert address in render(messages, "zh-hans")[0]
    assert helpdesk.calls("address/$")[0].body == {"address": address}
    assert helpdesk.state.shipments[SF]["address"] == address


@pytest.mark.parametrize("language", LANGUAGES)
def test_redirect_to_a_nearby_locker(helpdesk, language):
    helpdesk.state.verified.add(SF)
    events, messages = run(ValidateAddressForm(), address_step("change_choice", "2", language=language))
    offered = slots_set(events)["offered_pickup_points"]
    assert [p["id"] for p in offered] == [3, 4]  # the full locker is not offered
    assert offered[0]["label"] == "Locker Century Ave, 100 Century Avenue (0.4 km)"
    assert slots_set(events)["requested_slot"] == "pickup_point"

    _, messages = run(ActionAskPickupPoint(), tracker(slots={"offered_pickup_points": offered}, language=language))
    assert responses(messages) == ["utter_ask_pickup_point"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["1", "2"]
    assert in_language(render(messages, language)[0], language)

    events, _ = run(ValidateAddressForm(), address_step("pickup_point", "1", {"change_choice": "pickup_point",
                                                                              "offered_pickup_points": offered}))
    assert slots_set(events)["pickup_point"] == "3"

    slots = {"tracking_number": SF, "change_choice": "pickup_point", "pickup_point": "3",
             "change_target": offered[0]["label"], "confirmed": True}
    _, messages = run(ActionChangeAddress(), tracker(slots=slots, language=language))
    assert responses(messages) == ["utter_redirected"]
    assert "Locker Century Ave" in render(messages, language)[0]
    assert helpdesk.calls("redirect/$")[0].body == {"pickup_point_id": 3}


def test_choice_in_words(helpdesk):
    helpdesk.state.verified.add(SF)
    for text, choice in (("send it to a locker", "pickup_point"), ("改到快递柜", "pickup_point"),
                         ("в постамат", "pickup_point"), ("new address please", "address")):
        events, _ = run(ValidateAddressForm(), address_step("change_choice", text))
        assert slots_set(events)["change_choice"] == choice, text
    events, messages = run(ValidateAddressForm(), address_step("change_choice", "hmm"))
    assert responses(messages) == ["utter_change_choice_invalid"]


def test_no_pickup_points_nearby(helpdesk):
    helpdesk.state.pickup_points = []
    events, messages = run(ValidateAddressForm(), address_step("change_choice", "2"))
    assert responses(messages) == ["utter_no_pickup_points"]
    assert slots_set(events)["change_choice"] is None


def test_wrong_pickup_point_number(helpdesk):
    offered = [{"id": 3, "label": "Locker"}]
    events, messages = run(ValidateAddressForm(), address_step("pickup_point", "4", {"change_choice": "pickup_point",
                                                                                     "offered_pickup_points": offered}))
    assert responses(messages) == ["utter_pickup_point_invalid"]


def test_locker_filled_meanwhile_asks_again(helpdesk):
    helpdesk.state.verified.add(SF)
    slots = {"tracking_number": SF, "change_choice": "pickup_point", "pickup_point": "5", "change_target": "Metro",
             "confirmed": True}
    events, messages = run(ActionChangeAddress(), tracker(slots=slots))
    assert responses(messages) == ["utter_pickup_point_full"]
    assert any(e["event"] == "followup" and e["name"] == "address_form" for e in events)
    assert slots_set(events)["change_choice"] is None


def test_corrected_address_with_a_negation_is_the_address(helpdesk):
    helpdesk.state.verified.add(SF)
    text = "не на Ленина, а на Садовую 5, кв 12"
    events, messages = run(ValidateAddressForm(), address_step("new_address", text, {"change_choice": "address"},
                                                               language="ru"))
    assert messages == []
    assert slots_set(events)["new_address"] == text and slots_set(events)["requested_slot"] == "confirmed"


@pytest.mark.parametrize("text", ["cancel", "отмена", "取消", "算了吧"])
def test_explicit_cancel_instead_of_an_address_changes_nothing(helpdesk, text):
    helpdesk.state.verified.add(SF)
    events, messages = run(ValidateAddressForm(), address_step("new_address", text, {"change_choice": "address"}))
    assert responses(messages) == ["utter_cancelled"]
    assert slots_set(events)["flow_blocked"] is True and slots_set(events)["requested_slot"] is None
    _, messages = run(ActionChangeAddress(), tracker(slots={"tracking_number": SF, "change_choice": "address",
                                                            "flow_blocked": True}))
    assert messages == [] and helpdesk.calls("address/$") == []


def test_address_the_helpdesk_rejects_is_asked_again(helpdesk):
    helpdesk.state.verified.add(SF)
    helpdesk.fail("/address/$", 400, {"code": "address_invalid", "detail": "Address could not be found."})
    slots = {"tracking_number": SF, "change_choice": "address", "new_address": "Nowhere street 0",
             "change_target": "Nowhere street 0", "confirmed": True}
    events, messages = run(ActionChangeAddress(), tracker(slots=slots))
    assert responses(messages) == ["utter_address_invalid"]
    assert slots_set(events)["new_address"] is None
    assert any(e["event"] == "followup" and e["name"] == "address_form" for e in events)


def test_address_change_refused_once_out_for_delivery(helpdesk):
    helpdesk.state.verified.add("RR123456789CN")
    slots = {"tracking_number": "RR123456789CN", "change_choice": "address", "new_address": "5 Long Road, Pudong",
             "change_target": "5 Long Road, Pudong", "confirmed": True}
    _, messages = run(ActionChangeAddress(), tracker(slots=slots, language="zh-hant"))
    assert responses(messages) == ["utter_not_changeable"]
    assert "RR123456789CN" in render(messages, "zh-hant")[0]


def test_address_change_not_confirmed(helpdesk):
    _, messages = run(ActionChangeAddress(), tracker(slots={"tracking_number": SF, "confirmed": False}))
    assert responses(messages) == ["utter_not_confirmed"] and helpdesk.requests == []


def test_address_change_with_the_helpdesk_down(helpdesk_down):
    slots = {"tracking_number": SF, "change_choice": "address", "new_address": "5 Long Road, Pudong",
             "change_target": "5 Long Road, Pudong", "confirmed": True}
    _, messages = run(ActionChangeAddress(), tracker(slots=slots, language="en"))
    only_sorry(messages, "en")


def test_address_form_verification_required_is_not_a_crash(helpdesk):
    # The helpdesk forgot the verification (e.g. it expired): a 403 ends with an apology.
    slots = {"tracking_number": SF, "change_choice": "address", "new_address": "5 Long Road, Pudong",
             "change_target": "5 Long Road, Pudong", "confirmed": True}
    _, messages = run(ActionChangeAddress(), tracker(slots=slots))
    assert responses(messages) == ["utter_service_unavailable"]
    assert helpdesk.state.shipments[SF]["address"] != "5 Long Road, Pudong"


# ---------------------------------------------------------------------------
# action_start_complaint / validate_complaint_form / action_file_complaint
# ---------------------------------------------------------------------------
def test_complaint_category_and_story_from_the_first_message(helpdesk):
    text = f"快递员态度太差了，把我的包裹{SF}直接扔在门口就走了，还骂人"
    events, _ = run(ActionStartComplaint(), tracker(text=text, intent="file_complaint", tracking_number=SF))
    slots = slots_set(events)
    assert slots["complaint_category"] == "courier_conduct"
    assert slots["complaint_description"] == text
    assert slots["tracking_number"] == SF
    events, _ = run(ActionStartComplaint(), tracker(text="I want to complain", intent="file_complaint"))
    assert slots_set(events)["complaint_category"] is None  # the form will ask


def test_complaint_category_answer(helpdesk):
    form = dict(active_loop="complaint_form", requested_slot="complaint_category")
    events, messages = run(ValidateComplaintForm(), tracker(text="2", candidates={"complaint_category": "2"}, **form))
    assert slots_set(events)["complaint_category"] == "damaged"
    events, messages = run(ValidateComplaintForm(), tracker(text="meh", candidates={"complaint_category": "meh"}, **form))
    assert slots_set(events)["complaint_category"] is None
    assert responses(messages) == ["utter_complaint_category_invalid"]
    events, _ = run(ValidateComplaintForm(), tracker(
        text="x", candidates={"complaint_description": "  It came a week late  "}, active_loop="complaint_form",
        requested_slot="complaint_description", slots={"complaint_category": "late"}))
    assert slots_set(events)["complaint_description"] == "It came a week late"


# A complaint's story often carries negations the model reads as `deny`; inside the form it is the story.
NEGATED_STORIES = {
    "en": "the courier didn't call and never came, no note, nothing",
    "zh-hans": "快递员没打电话也没上门，直接写了联系不上",
    "zh-hant": "送貨員冇打電話又冇上門，就話聯絡唔到我",
    "ru": "курьер не позвонил и не приехал",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_negated_description_is_the_description_not_a_cancel(helpdesk, language):
    story = NEGATED_STORIES[language]
    events, messages = run(ValidateComplaintForm(), tracker(
        text=story, intent="deny", candidates={"complaint_description": story}, active_loop="complaint_form",
        requested_slot="complaint_description", slots={"complaint_category": "fake_attempt"}, language=language))
    assert messages == []
    assert slots_set(events)["complaint_description"] == story
    assert "flow_blocked" not in slots_set(events)
    slots = {"complaint_category": "fake_attempt", "complaint_description": story}
    _, messages = run(ActionFileComplaint(), tracker(slots=slots, language=language))
    assert responses(messages)[0] == "utter_complaint_filed"  # a fake attempt is urgent: then a colleague
    assert helpdesk.calls("complaints/$")[0].body["description"] == story


@pytest.mark.parametrize("language, text", [("en", "cancel"), ("zh-hans", "算了，不投诉了"), ("zh-hant", "唔使喇"),
                                            ("ru", "отмена")])
def test_explicit_cancel_while_describing_files_nothing(helpdesk, language, text):
    events, messages = run(ValidateComplaintForm(), tracker(
        text=text, intent="deny", candidates={"complaint_description": text}, active_loop="complaint_form",
        requested_slot="complaint_description", slots={"complaint_category": "late"}, language=language))
    assert responses(messages) == ["utter_cancelled"]
    assert in_language(render(messages, language)[0], language)
    slots = slots_set(events)
    assert slots["complaint_description"] is None and slots["flow_blocked"] is True
    assert slots["requested_slot"] is None  # the form ends here
    events, messages = run(ActionFileComplaint(), tracker(slots={"complaint_category": "late",
                                                                 "flow_blocked": True}, language=language))
    assert messages == [] and helpdesk.requests == []
    assert slots_set(events)["flow_blocked"] is None


def test_complaint_category_answer_with_a_negation_or_a_story(helpdesk):
    form = dict(active_loop="complaint_form", requested_slot="complaint_category", language="ru")
    events, messages = run(ValidateComplaintForm(), tracker(text="нет", intent="deny", candidates={
        "complaint_category": "нет"}, **form))
    assert responses(messages) == ["utter_cancelled"] and slots_set(events)["requested_slot"] is None
    story = "заказ ждала неделю, курьер так и не приехал, на звонки никто не отвечает"
    events, messages = run(ValidateComplaintForm(), tracker(text=story, intent="deny", candidates={
        "complaint_category": story}, **form))
    assert messages == []
    assert slots_set(events)["complaint_category"] == "other"
    assert slots_set(events)["complaint_description"] == story


@pytest.mark.parametrize("language", LANGUAGES)
def test_complaint_gets_a_ticket_number_and_response_time(helpdesk, language):
    slots = {"complaint_category": "late", "complaint_description": "Three days late", "tracking_number": SF}
    events, messages = run(ActionFileComplaint(), tracker(slots=slots, language=language))
    assert responses(messages) == ["utter_complaint_filed"]
    text = render(messages, language)[0]
    assert "T-000123" in text and "24" in text and in_language(text, language)
    assert helpdesk.calls("complaints/$")[0].body == {"category": "late", "description": "Three days late",
                                                       "tracking_number": SF}
    assert not any(e["event"] == "pause" for e in events)


def test_complaint_links_the_only_parcel_on_file(helpdesk):
    slots = {"complaint_category": "other", "complaint_description": "The app is confusing"}
    run(ActionFileComplaint(), tracker(slots=slots))
    assert helpdesk.calls("complaints/$")[0].body["tracking_number"] == SF
    helpdesk.state.customer_shipments = [SF, "YT9876543210"]
    run(ActionFileComplaint(), tracker(slots=slots))
    assert helpdesk.calls("complaints/$")[1].body["tracking_number"] is None


def test_urgent_complaint_hands_over(helpdesk):
    slots = {"complaint_category": "lost", "complaint_description": "Never arrived", "tracking_number": SF}
    events, messages = run(ActionFileComplaint(), tracker(slots=slots, language="ru"))
    assert responses(messages) == ["utter_complaint_filed", "utter_complaint_urgent", "utter_handoff_queued"]
    texts = render(messages, "ru")
    assert "T-000123" in texts[0] and "3" in texts[2]
    assert helpdesk.calls("handoff/$")[0].body == {"reason": "urgent_complaint"}
    assert events[-1]["event"] == "pause"


def test_complaint_with_the_helpdesk_down(helpdesk_down):
    slots = {"complaint_category": "late", "complaint_description": "late", "tracking_number": SF}
    events, messages = run(ActionFileComplaint(), tracker(slots=slots, language="zh-hant"))
    only_sorry(messages, "zh-hant")


def test_complaint_refused_by_the_helpdesk(helpdesk):
    slots = {"complaint_category": "late", "complaint_description": "late", "tracking_number": "ZZ0000000000"}
    _, messages = run(ActionFileComplaint(), tracker(slots=slots))
    assert responses(messages) == ["utter_service_unavailable"]


# ---------------------------------------------------------------------------
# action_handoff / action_fallback / action_cancel_form
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_handoff_on_request_tells_the_queue_position_and_pauses(helpdesk, language):
    events, messages = run(ActionHandoff(), tracker(text="agent", intent="request_human", language=language))
    assert responses(messages) == ["utter_handoff_queued"]
    text = render(messages, language)[0]
    assert "3" in text and in_language(text, language)
    assert helpdesk.calls("handoff/$")[0].body == {"reason": "requested"}
    assert events[-1]["event"] == "pause"


def test_handoff_inside_a_form_closes_the_form(helpdesk):
    events, _ = run(ActionHandoff(), tracker(text="человека дайте", intent="request_human",
                                             active_loop="reschedule_form", requested_slot="otp_code"))
    assert events[0]["event"] == "active_loop" and events[0]["name"] is None
    assert slots_set(events)["requested_slot"] is None


def test_handoff_outside_business_hours(helpdesk):
    helpdesk.state.open_now = False
    _, messages = run(ActionHandoff(), tracker(intent="request_human", language="zh-hans"))
    assert responses(messages) == ["utter_handoff_closed"]
    assert "Mon–Sat 08:00–20:00" in render(messages, "zh-hans")[0]


def test_handoff_with_the_helpdesk_down_does_not_pause(helpdesk_down):
    events, messages = run(ActionHandoff(), tracker(intent="request_human", language="ru"))
    only_sorry(messages, "ru")
    assert not any(e["event"] == "pause" for e in events)


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_misunderstandings_in_a_row_hand_over(helpdesk, language):
    events, messages = run(ActionFallback(), tracker(text="blorp", intent="nlu_fallback", language=language))
    assert responses(messages) == ["utter_default"]
    assert in_language(render(messages, language)[0], language)
    assert slots_set(events)["fallback_count"] == 1.0
    assert helpdesk.requests == []

    events, messages = run(ActionFallback(), tracker(text="blorp", intent="nlu_fallback", language=language,
                                                     slots={"fallback_count": 1.0}))
    assert responses(messages) == ["utter_handoff_queued"]
    assert helpdesk.calls("handoff/$")[0].body == {"reason": "fallback"}
    assert events[-1]["event"] == "pause" and slots_set(events)["fallback_count"] == 0.0


def test_out_of_scope_says_what_the_bot_can_do(helpdesk):
    _, messages = run(ActionFallback(), tracker(text="what's the weather", intent="out_of_scope", language="zh-hant"))
    assert responses(messages) == ["utter_out_of_scope"]
    assert in_language(render(messages, "zh-hant")[0], "zh-hant")


def test_cancel_clears_the_flow(helpdesk):
    events, messages = run(ActionCancelForm(), tracker(text="no", intent="deny",
                                                       slots={"delivery_window": "17", "otp_code": VERIFIED}))
    assert responses(messages) == ["utter_cancelled"]
    assert slots_set(events)["delivery_window"] is None and slots_set(events)["otp_code"] is None
    assert helpdesk.requests == []


# ---------------------------------------------------------------------------
# NPS: action_nps_start / validate_nps_form / action_record_nps
# ---------------------------------------------------------------------------
def test_nps_survey_starts_for_the_delivered_parcel(helpdesk):
    events, _ = run(ActionNpsStart(), tracker(intent="EXTERNAL_nps_survey", tracking_number="JD0088776655",
                                              text="EXTERNAL: JD0088776655"))
    assert slots_set(events)["tracking_number"] == "JD0088776655"
    assert slots_set(events)["nps_score"] is None


def test_nps_score_and_comment(helpdesk):
    form = dict(active_loop="nps_form", slots={"tracking_number": "JD0088776655"})
    events, messages = run(ValidateNpsForm(), tracker(text="九分", candidates={"nps_score": "九分"},
                                                      requested_slot="nps_score", **form))
    assert slots_set(events)["nps_score"] == "9" and messages == []
    events, messages = run(ValidateNpsForm(), tracker(text="11", candidates={"nps_score": "11"},
                                                      requested_slot="nps_score", **form))
    assert slots_set(events)["nps_score"] is None
    assert responses(messages) == ["utter_nps_score_invalid"]
    events, _ = run(ValidateNpsForm(), tracker(text="нет", intent="deny", candidates={"nps_comment": "нет"},
                                               requested_slot="nps_comment", **form))
    assert slots_set(events)["nps_comment"] == SKIPPED
    comment = "курьер не позвонил перед приездом"
    events, _ = run(ValidateNpsForm(), tracker(text=comment, intent="deny", candidates={"nps_comment": comment},
                                               requested_slot="nps_comment", **form))
    assert slots_set(events)["nps_comment"] == comment


@pytest.mark.parametrize("language", LANGUAGES)
def test_nps_recorded_with_thanks(helpdesk, language):
    slots = {"tracking_number": "JD0088776655", "nps_score": "9", "nps_comment": "Fast courier"}
    events, messages = run(ActionRecordNps(), tracker(slots=slots, language=language))
    assert responses(messages) == ["utter_nps_thanks"]
    assert in_language(render(messages, language)[0], language)
    assert helpdesk.calls("nps/$")[0].body == {"tracking_number": "JD0088776655", "score": 9,
                                               "comment": "Fast courier"}
    assert slots_set(events)["nps_score"] is None


def test_nps_skipped_comment_is_sent_empty_and_a_second_answer_is_refused(helpdesk):
    slots = {"tracking_number": "JD0088776655", "nps_score": "3", "nps_comment": SKIPPED}
    run(ActionRecordNps(), tracker(slots=slots))
    assert helpdesk.state.nps["JD0088776655"] == {"score": 3, "comment": ""}
    _, messages = run(ActionRecordNps(), tracker(slots=slots))
    assert responses(messages) == ["utter_nps_already_answered"]
    assert helpdesk.state.nps["JD0088776655"]["score"] == 3


def test_nps_with_the_helpdesk_down(helpdesk_down):
    slots = {"tracking_number": "JD0088776655", "nps_score": "9", "nps_comment": SKIPPED}
    _, messages = run(ActionRecordNps(), tracker(slots=slots, language="zh-hans"))
    only_sorry(messages, "zh-hans")
