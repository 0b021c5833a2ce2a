"""Exact tracking-number extraction as an NLU component (the carrier's formats, not a learned model)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

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
    """Finds tracking numbers by the carrier's formats; the value is upper-cased; start/end point at the text as typed."""

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        return [
            {
                "entity": "tracking_number",
                "start": m.start(),
                "end": m.end(),
                "value": m.group(0).upper(),
                "confidence_entity": 1.0,
                "extractor": self.__class__.__name__,
            }
            for m in TRACKING_NUMBER_RE.finditer(text)
        ]
