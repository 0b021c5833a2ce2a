"""Exact tracking-number extraction and per-message language detection as NLU components."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.language import detect_language
from components.scripts import TRACKING_NUMBER_RE


class _StatelessExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        raise NotImplementedError


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class TrackingNumberExtractor(_StatelessExtractor):
    """Finds tracking numbers by the carrier's formats; the value is the text as typed."""

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        return [
            {
                "entity": "tracking_number",
                "start": m.start(),
                "end": m.end(),
                "value": m.group(0),
                "confidence_entity": 1.0,
                "extractor": self.__class__.__name__,
            }
            for m in TRACKING_NUMBER_RE.finditer(text)
        ]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LanguageDetector(_StatelessExtractor):
    """Adds a `language` entity (en, zh-hans, zh-hant, ru) from the message's script.

    Messages with no letters (a code, a score, an emoji) get no entity, so the
    slot keeps the customer's language.  `ambiguous` marks Han text that reads
    the same in both scripts; the slot validation then keeps a previous zh-hant.
    """

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        result = detect_language(text)
        if result is None:
            return []
        language, ambiguous = result
        return [
            {
                "entity": "language",
                "start": 0,
                "end": len(text),
                "value": language,
                "ambiguous": ambiguous,
                "confidence_entity": 1.0,
                "extractor": self.__class__.__name__,
            }
        ]
