"""What Rasa itself does with a message inside a form: slot extraction (the domain's mappings) and the next
action (RulePolicy trained on data/rules.yml and data/interruptions.yml), in process, without the NLU model.

The question these answer: when the model classifies a complaint's story "курьер не позвонил и не приехал"
as `deny`, is it still the story (the form takes it) or does the "no inside a form" rule cancel the form?
"""
from __future__ import annotations

import asyncio
import functools
import tempfile
from pathlib import Path

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from tests.action_harness import BOT_DIR, domain

# Slots a form fills with whatever the customer writes.
FREE_TEXT = [("complaint_form", "complaint_description"), ("complaint_form", "complaint_category"),
             ("address_form", "new_address"), ("nps_form", "nps_comment")]
STORY = "курьер не позвонил и не приехал"


def form_turn(form: str, requested: str, text: str, intent: str, extracted: dict | None = None):
    events = [ActionExecuted("action_listen"), UserUttered("start", {"name": "greet", "confidence": 1.0}),
              ActionExecuted(form), ActiveLoop(form), SlotSet("requested_slot", requested),
              ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 0.97})]
    events += [SlotSet(name, value) for name, value in (extracted or {}).items()]
    return DialogueStateTracker.from_events("test", events, slots=domain().slots)


def extracted(tracker: DialogueStateTracker) -> dict:
    """The slots Rasa's action_extract_slots sets from the domain's mappings (custom mappings left out)."""
    action = ActionExtractSlots(None)

    async def no_custom_validation(events, *args, **kwargs):
        return [event for event in events if isinstance(event, SlotSet)]

    action._execute_validation_action = no_custom_validation  # action_validate_slot_mappings: language only
    events = asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker,
                                    domain()))
    return {event.key: event.value for event in events if isinstance(event, SlotSet)}


@functools.lru_cache(maxsize=1)
def rule_policy() -> RulePolicy:
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(BOT_DIR / "domain"), training_data_paths=[str(BOT_DIR / "data")])
    trackers = TrainingDataGenerator(importer.get_stories(), importer.get_domain(), augmentation_factor=0,
                                     tracker_limit=1000).generate()
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    policy = RulePolicy.create({**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3,
                                "enable_fallback_prediction": True, "restrict_rules": False,
                                "check_for_contradictions": False},
                               storage, Resource("rules"), ExecutionContext(GraphSchema({}), "test"))
    policy.train(trackers, importer.get_domain())
    return policy


def next_action(tracker: DialogueStateTracker) -> str:
    prediction = rule_policy().predict_action_probabilities(tracker, domain())
    return domain().action_names_or_texts[prediction.max_confidence_index]


@pytest.mark.parametrize("form, slot", FREE_TEXT)
@pytest.mark.parametrize("intent", ["deny", "track_shipment", "file_complaint", "affirm"])
def test_free_text_slots_take_the_message_whatever_its_intent(form, slot, intent):
    tracker = form_turn(form, slot, STORY, intent)
    assert extracted(tracker)[slot] == STORY
    assert next_action(form_turn(form, slot, STORY, intent, {slot: STORY})) == form


@pytest.mark.parametrize("form, slot", FREE_TEXT)
def test_asking_for_a_person_still_hands_over_inside_free_text(form, slot):
    tracker = form_turn(form, slot, "оператора позовите", "request_human")
    assert slot not in extracted(tracker)
    tracker.update(ActionExecutionRejected(form))  # the form found nothing to take, so the rules decide
    assert next_action(tracker) == "action_deactivate_loop"


@pytest.mark.parametrize("form, slot", [("track_form", "tracking_number"), ("reschedule_form", "otp_code"),
                                        ("reschedule_form", "delivery_window"), ("address_form", "pickup_point")])
def test_no_to_a_short_question_still_cancels(form, slot):
    """"no" where the form wants a number, a code or an option: the form rejects it and the rule cancels."""
    tracker = form_turn(form, slot, "нет, не надо", "deny")
    assert slot not in extracted(tracker)
    tracker.update(ActionExecutionRejected(form))
    assert next_action(tracker) == "action_deactivate_loop"


def test_rules_train_under_the_models_own_rule_policy_settings():
    """RulePolicy as config.yml runs it (restrict_rules and the contradiction check on): a rule with two user
    turns or two rules that disagree fail here in seconds instead of at the end of a full training."""
    importer = TrainingDataImporter.load_from_dict(
        config_path=str(BOT_DIR / "config.yml"), domain_path=str(BOT_DIR / "domain"),
        training_data_paths=[str(BOT_DIR / "data")])
    settings = next(p for p in importer.get_config()["policies"] if p["name"] == "RulePolicy")
    config = {**RulePolicy.get_default_config(), **{k: v for k, v in settings.items() if k != "name"}}
    assert config["restrict_rules"] and config["check_for_contradictions"]
    trackers = TrainingDataGenerator(importer.get_stories(), importer.get_domain(), augmentation_factor=0,
                                     tracker_limit=1000).generate()
    policy = RulePolicy.create(config, LocalModelStorage(Path(tempfile.mkdtemp())), Resource("rules"),
                               ExecutionContext(GraphSchema({}), "test"))
    policy.train(trackers, importer.get_domain())  # raises InvalidRule on a broken rule
    assert policy.lookup["rules"], "no rules were learnt"

