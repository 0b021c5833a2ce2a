"""Running the bot's custom actions the way the action server does, and reading what the customer gets.

`tracker(...)` builds a real rasa_sdk Tracker (all domain slots, the latest message, slot candidates
after the last user turn as Rasa's form sends them); `run(action, tracker)` runs the action with a real
CollectingDispatcher; `render(messages, language)` turns the dispatched responses into the text Rasa
would send, with the domain's language variations, exactly as Rasa's NLG fills them in.
"""
from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

BOT_DIR = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(str(BOT_DIR / "domain"))


@functools.lru_cache(maxsize=1)
def domain_dict() -> Dict[str, Any]:
    return domain().as_dict()


def initial_slots() -> Dict[str, Any]:
    return {slot.name: slot.initial_value for slot in domain().slots}


def tracker(*, text: str = "", intent: Optional[str] = None, tracking_number: Optional[str] = None,
            slots: Optional[Dict[str, Any]] = None, candidates: Optional[Dict[str, Any]] = None,
            active_loop: Optional[str] = None, requested_slot: Optional[str] = None, language: str = "en",
            sender: str = "7", metadata: Optional[Dict[str, Any]] = None,
            events: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    """A tracker right after the customer sent `text` (classified as `intent`)."""
    values = initial_slots()
    values.update(language=language, requested_slot=requested_slot)
    values.update(slots or {})
    values.update(candidates or {})
    entities = []
    if tracking_number:
        start = text.find(tracking_number)
        entities.append({"entity": "tracking_number", "value": tracking_number, "start": start,
                         "end": start + len(tracking_number), "extractor": "TrackingNumberExtractor"})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.93} if intent else {},
              "entities": entities, "metadata": metadata or {}}
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}})
    # Rasa's FormAction appends the slot candidates it extracted after the user turn.
    history += [{"event": "slot", "name": name, "value": value} for name, value in (candidates or {}).items()]
    return Tracker(sender_id=sender, slots=values, latest_message=latest, events=history, paused=False,
                   followup_action=None, active_loop={"name": active_loop} if active_loop else {},
                   latest_action_name="action_listen")


def run(action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(events as dicts, dispatched messages)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain_dict()))
    return [dict(event) for event in events], dispatcher.messages


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots the events set (last value wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") for m in messages]


_NLG_KEYS = {"text", "image", "custom", "attachment", "buttons", "elements", "response", "template",
             "json_message", "quick_replies"}


def render(messages: List[Dict[str, Any]], language: str, slots: Optional[Dict[str, Any]] = None) -> List[str]:
    """The text of each message as Rasa sends it to a customer whose `language` slot is `language`."""
    nlg = TemplatedNaturalLanguageGenerator(domain().responses)
    filled = {**initial_slots(), **(slots or {}), "language": language}
    texts = []
    for message in messages:
        kwargs = {k: v for k, v in message.items() if k not in _NLG_KEYS and v is not None}
        draft = nlg.generate_from_slots(message["response"], filled, "rest", **kwargs)
        assert draft is not None, f"no response {message['response']!r} in the domain"
        text = draft.get("text") or ""
        assert "{" not in text, f"unfilled placeholder in {message['response']}: {text}"
        texts.append(text)
    return texts


SCRIPT = {
    "ru": re.compile(r"[А-Яа-яЁё]"),
    "zh-hans": re.compile(r"[\u4e00-\u9fff]"),
    "zh-hant": re.compile(r"[\u4e00-\u9fff]"),
    "en": re.compile(r"^[^\u4e00-\u9fffА-Яа-яЁё]*$"),
}


def in_language(text: str, language: str) -> bool:
    """The text is written in `language`'s script (Latin-only for English)."""
    return bool(SCRIPT[language].search(text))
