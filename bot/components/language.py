"""Which of the four supported languages a message is written in, from its script alone."""
from typing import Optional, Tuple

from components.scripts import CYRILLIC_RE, HAN_RE, LATIN_RE, TRACKING_NUMBER_RE

_converters = {}


def _convert(kind: str, text: str) -> str:
    if kind not in _converters:
        import opencc

        _converters[kind] = opencc.OpenCC(kind)
    return _converters[kind].convert(text)


# Written Cantonese: these characters are the same in both scripts, but a customer
# who types them is in Hong Kong and reads Traditional Chinese.
CANTONESE_MARKERS = set("唔冇喺嘅咗哋啲嚟咩佢㗎喎嘢啱搵攞諗噉嗰")
# Characters HK customers use as they are although OpenCC maps them to another
# Traditional form (晒 "all" in 明白晒): they say nothing about the script.
SCRIPT_NEUTRAL = set("晒")


def han_variant(text: str) -> Tuple[str, bool]:
    """zh-hant when the text has Traditional forms or written Cantonese, zh-hans otherwise; bool = ambiguous."""
    han = "".join(c for c in HAN_RE.findall(text) if c not in SCRIPT_NEUTRAL)
    if not han:
        return "zh-hans", True
    simplified = _convert("t2s", han)
    if simplified != han or CANTONESE_MARKERS.intersection(han):
        return "zh-hant", False
    traditional = _convert("s2t", han)
    if traditional != han:
        return "zh-hans", False
    return "zh-hans", True


def detect_language(text: str) -> Optional[Tuple[str, bool]]:
    """(language, ambiguous) or None when the message has no letters to go by."""
    text = TRACKING_NUMBER_RE.sub(" ", text or "")
    han = len(HAN_RE.findall(text))
    cyrillic = len(CYRILLIC_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    if han:
        # One Han character carries about as much as a short word.
        if han * 3 >= max(cyrillic, latin):
            return han_variant(text)
    if cyrillic and cyrillic >= latin:
        return "ru", False
    if cyrillic and cyrillic * 2 >= latin:
        # "where is my посылка": the customer writes Russian words inside English.
        return "ru", True
    if latin >= 2:
        return "en", latin < 4
    if cyrillic:
        return "ru", False
    return None
