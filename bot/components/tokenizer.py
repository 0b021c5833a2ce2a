"""Tokenizer for EN/ZH-Hans/ZH-Hant/RU messages: jieba on Han runs, words elsewhere, tracking numbers whole."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from components.cantonese import to_mandarin
from components.scripts import TRACKING_NUMBER_PATTERN

logger = logging.getLogger(__name__)

# Order matters: a tracking number wins over a plain word/number.
_PIECE_RE = re.compile(
    r"(?P<tn>" + TRACKING_NUMBER_PATTERN + r")"
    r"|(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)",
    re.UNICODE,
)


def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class ParcelTokenizer(Tokenizer):
    """Segments Han with jieba on the Simplified form; offsets stay on the original text.

    OpenCC t2s maps character by character for the phrases customers type, so
    a Han run keeps its length; when a phrase conversion changes the length we
    fall back to segmenting the unconverted run (jieba still copes with Traditional).
    Written Cantonese is turned into Mandarin words of the same length before
    that (components/cantonese.py): 幾時到 and 几时到 and 何时到 share lemmas.
    """

    _converter = None

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Featurize every tracking number as this one word (None: the number itself). A number
            # then says "the message names a parcel", not "digits, so it is about tracking": every
            # intent is written with and without numbers, and digits in times, dates and addresses no
            # longer share n-grams with tracking numbers.
            "tracking_number_lemma": "__tn__",
            # Written Cantonese (唔, 冇, 喺, 邊度 ...) featurized as the Mandarin words (components/cantonese.py),
            # so Hong Kong customers' messages share features with the Mandarin examples.
            "cantonese_to_mandarin": True,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        # Rasa both imports these names and looks them up as distributions for the
        # model fingerprint; opencc's module and distribution names differ, so only
        # jieba is listed (opencc is pinned in requirements and imported on use).
        return ["jieba"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ParcelTokenizer":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return cls(config)

    @classmethod
    def to_simplified(cls, text: str) -> str:
        if cls._converter is None:
            cls._converter = _t2s()
        return cls._converter.convert(text)

    def _segment_han(self, run: str, offset: int) -> List[Token]:
        import jieba

        # Cantonese -> Mandarin first (same length, so offsets hold), then Traditional -> Simplified.
        normalized = to_mandarin(run) if self._config.get("cantonese_to_mandarin", True) else run
        simplified = self.to_simplified(normalized)
        if len(simplified) != len(run):
            simplified = normalized
        tokens = []
        for word, start, end in jieba.tokenize(simplified):
            # text is the ORIGINAL characters; the lemma carries the Simplified form
            # so Traditional and Simplified share features downstream.
            tokens.append(
                Token(run[start:end], offset + start, offset + end, lemma=word)
            )
        return tokens

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens: List[Token] = []
        for match in _PIECE_RE.finditer(text):
            piece = match.group(0)
            if match.lastgroup == "han":
                tokens.extend(self._segment_han(piece, match.start()))
            elif match.lastgroup == "tn":
                lemma = self._config.get("tracking_number_lemma") or piece.upper()
                tokens.append(Token(piece, match.start(), match.end(), lemma=lemma))
            else:
                tokens.append(
                    Token(piece.lower(), match.start(), match.end(), lemma=piece.lower())
                )
        if not tokens:
            # Emoji-only or punctuation-only messages still need one token.
            tokens = [Token(text, 0, len(text))] if text else []
        return self._apply_token_pattern(tokens)
