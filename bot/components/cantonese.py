"""Written Cantonese to Mandarin, for features only: 我個包裹搞唔見咗 shares its words with 我的包裹搞不见了.

Hong Kong customers write Cantonese (唔, 冇, 係, 喺, 嘅, 咗, 邊度, 幾時 ...); Taiwan and mainland customers write
Mandarin. Without this the model learns the Cantonese words only from the Cantonese examples; with it every
Cantonese message also shares the far more numerous Mandarin examples' words. Measured on the held-out sets
(docs/bot.md): zh-hant and zh-hans gain, the other languages are untouched.

Every replacement has the same length as what it replaces, so the tokenizer's offsets into the customer's own
text stay right; the token keeps the characters the customer typed, only its lemma (the feature) changes.
Applied to a Han run before OpenCC's Traditional -> Simplified conversion, because t2s turns 係 into 系, which
in Mandarin is part of 联系 (contact) and 系统 (system) and must not become 是. Longer phrases come first.
"""
from __future__ import annotations

import re

# (Cantonese as typed, Mandarin of the same length). Both scripts are listed where they differ, since HK
# customers sometimes type Simplified on a mainland phone.
_PHRASES = [
    ("可唔可以", "可不可以"), ("得唔得", "行不行"), ("係唔係", "是不是"), ("系唔系", "是不是"),
    ("有冇", "有没"), ("邊度", "哪里"), ("边度", "哪里"), ("邊個", "哪个"), ("边个", "哪个"),
    ("點解", "为何"), ("点解", "为何"), ("點樣", "怎样"), ("点样", "怎样"), ("幾時", "何时"), ("几时", "何时"),
    ("乜嘢", "什么"), ("咩嘢", "什么"), ("而家", "现在"), ("依家", "现在"), ("今日", "今天"),
    ("聽日", "明天"), ("听日", "明天"), ("琴日", "昨天"), ("尋日", "昨天"), ("寻日", "昨天"),
    ("唔該", "谢谢"), ("唔该", "谢谢"), ("唔使", "不用"), ("唔好", "不要"), ("唔得", "不行"),
    ("我哋", "我们"), ("你哋", "你们"), ("佢哋", "他们"), ("搞掂", "搞定"),
    ("冇", "没"), ("唔", "不"), ("係", "是"), ("喺", "在"), ("嘅", "的"), ("咗", "了"), ("佢", "他"),
    ("哋", "们"), ("睇", "看"), ("搵", "找"), ("揾", "找"), ("攞", "拿"), ("俾", "给"), ("畀", "给"),
    ("嚟", "来"), ("啱", "对"), ("咁", "这"), ("嘢", "物"), ("喎", "啊"), ("咩", "吗"), ("乜", "什"),
]
assert all(len(a) == len(b) for a, b in _PHRASES), "a replacement must keep the length (offsets)"
_TABLE = dict(_PHRASES)
_RE = re.compile("|".join(re.escape(a) for a, _ in sorted(_PHRASES, key=lambda p: -len(p[0]))))


def to_mandarin(run: str) -> str:
    """The run with written-Cantonese words replaced by Mandarin ones of the same length."""
    return _RE.sub(lambda m: _TABLE[m.group(0)], run)
