"""Reading self-service questions and answers in four languages: weights, places, postcodes, delivery methods,
time slots, return reasons and methods.

The bot only finds *candidates* for a place ("Москву" -> "Москва", "寄到北京多少钱" -> "北京"); which of them is a
place the carrier knows is decided by the helpdesk (service areas and their aliases are data staff edit), see
`place_resolve` in actions/selfservice.py.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Iterable, List, Optional

from actions.understanding import option_number, small_number
from components.scripts import HAN_RE, TRACKING_NUMBER_RE

# --------------------------------------------------------------------------------------------------------------
# Weight
# --------------------------------------------------------------------------------------------------------------
_ZH_NUM = {"半": Decimal("0.5"), "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9, "十": 10}
_WORD_NUM = {
    "half": Decimal("0.5"), "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "пол": Decimal("0.5"), "один": 1, "одна": 1,
    "одного": 1, "два": 2, "две": 2, "двух": 2, "три": 3, "трёх": 3, "трех": 3, "четыре": 4, "пять": 5, "шесть": 6,
    "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}
# unit -> kilograms per unit. Longest spellings first so "kgs" is not read as "kg" + "s".
_UNITS = [
    ("kilograms", 1), ("kilogram", 1), ("kilos", 1), ("kilo", 1), ("kgs", 1), ("kg", 1), ("公斤", 1), ("千克", 1),
    ("килограммов", 1), ("килограмма", 1), ("килограмм", 1), ("кило", 1), ("кг", 1),
    ("grams", Decimal("0.001")), ("gram", Decimal("0.001")), ("gr", Decimal("0.001")), ("g", Decimal("0.001")),
    ("граммов", Decimal("0.001")), ("грамма", Decimal("0.001")), ("грамм", Decimal("0.001")),
    ("гр", Decimal("0.001")), ("г", Decimal("0.001")), ("克", Decimal("0.001")),
    ("pounds", Decimal("0.4536")), ("pound", Decimal("0.4536")), ("lbs", Decimal("0.4536")),
    ("lb", Decimal("0.4536")), ("斤", Decimal("0.5")),
]
_UNIT_RE = "|".join(re.escape(unit) for unit, _ in _UNITS)
_NUMBER_RE = r"\d+(?:[.,]\d+)?"
_WORD_NUM_RE = "|".join(sorted((re.escape(word) for word in _WORD_NUM), key=len, reverse=True))
_WEIGHT_RE = re.compile(
    rf"(?P<number>(?<![\d.,]){_NUMBER_RE}|[半一二两兩三四五六七八九十]+|(?<![a-zа-яё])(?:{_WORD_NUM_RE}))"
    rf"\s*(?P<half>个半|個半)?\s*(?P<unit>{_UNIT_RE})(?P<half2>半)?(?![a-zа-яё])",
    re.IGNORECASE,
)
MAX_WEIGHT_KG = Decimal(1000)


def _clean(text: Optional[str]) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _has(cleaned: str, words: Iterable[str]) -> bool:
    """Any of `words` in the text; a Latin or Cyrillic word must start a word ("other" is not in "mother")."""
    return _position(cleaned, words) is not None


def _position(cleaned: str, words: Iterable[str]) -> Optional[int]:
    found = []
    for word in words:
        if HAN_RE.search(word[:1]) or not re.match(r"[a-zа-яё]", word):
            index = cleaned.find(word)
        else:
            match = re.search(r"(?<![a-zа-яё])" + re.escape(word), cleaned)
            index = match.start() if match else -1
        if index >= 0:
            found.append(index)
    return min(found) if found else None


def _number(token: str) -> Optional[Decimal]:
    token = token.strip().lower()
    if re.fullmatch(_NUMBER_RE, token):
        return Decimal(token.replace(",", "."))
    if token in _WORD_NUM:
        return Decimal(_WORD_NUM[token])
    if re.fullmatch(r"[半一二两兩三四五六七八九十]+", token):
        if token in _ZH_NUM:
            return Decimal(_ZH_NUM[token])
        if token.startswith("十"):  # 十五
            return Decimal(10 + _ZH_NUM.get(token[1:], 0))
        if len(token) == 2 and token[1] == "十":  # 二十
            return Decimal(_ZH_NUM[token[0]] * 10)
        if len(token) == 3 and token[1] == "十":  # 二十五
            return Decimal(_ZH_NUM[token[0]] * 10 + _ZH_NUM[token[2]])
    return None


def _kg_text(kg: Decimal) -> Optional[str]:
    if kg <= 0 or kg > MAX_WEIGHT_KG:
        return None
    kg = kg.quantize(Decimal("0.01"))
    return format(kg.normalize(), "f")


def weight_find(text: Optional[str]) -> Optional[str]:
    """Kilograms named with a unit in a message ("2kg", "2,5 кг", "两公斤", "3斤", "500 g", "полкило"), as "2.5"."""
    cleaned = TRACKING_NUMBER_RE.sub(" ", _clean(text))
    cleaned = cleaned.replace("полкило", "пол кило").replace("полкилограмма", "пол кг")
    for match in _WEIGHT_RE.finditer(cleaned):
        number = _number(match.group("number"))
        if number is None:
            continue
        if match.group("half") or match.group("half2"):
            number += Decimal("0.5")
        unit = match.group("unit").lower()
        factor = next(Decimal(str(f)) for u, f in _UNITS if u == unit)
        kg = _kg_text(number * factor)
        if kg:
            return kg
    return None


def weight_answer(text: Optional[str]) -> Optional[str]:
    """The answer to "how heavy is it?": a weight with a unit, or a bare number read as kilograms ("3", "2.5")."""
    found = weight_find(text)
    if found:
        return found
    cleaned = _clean(text)
    numbers = re.findall(_NUMBER_RE, cleaned)
    if len(numbers) == 1 and not TRACKING_NUMBER_RE.search(cleaned):
        return _kg_text(Decimal(numbers[0].replace(",", ".")))
    if not numbers:
        number = small_number(cleaned)
        if number:
            return _kg_text(Decimal(number))
    return None


# --------------------------------------------------------------------------------------------------------------
# Postcode and place
# --------------------------------------------------------------------------------------------------------------
_POSTCODE_RE = re.compile(r"(?<![\d.,])(\d{6})(?![\d.,])(?!\s*(?:kg|кг|公斤|g\b|克|斤|г\b|lb))", re.IGNORECASE)


def postcode_find(text: Optional[str]) -> Optional[str]:
    """A six-digit postcode (China, Russia, Singapore) that is not part of a tracking number or a weight."""
    cleaned = TRACKING_NUMBER_RE.sub(" ", unicodedata.normalize("NFKC", text or ""))
    match = _POSTCODE_RE.search(cleaned)
    return match.group(1) if match else None


_EN_PREPOSITIONS = {"to", "in", "into", "near", "around", "at", "towards", "till", "until", "for", "from", "within"}
_EN_STOP = {
    "how", "much", "many", "what", "whats", "what's", "is", "are", "the", "a", "an", "cost", "costs", "price",
    "prices", "fee", "fees", "pls", "please", "plz", "kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "g",
    "grams", "lbs", "lb", "by", "with", "and", "or", "via", "it", "its", "my", "me", "parcel", "package", "box",
    "send", "sending", "ship", "shipping", "deliver", "delivery", "do", "does", "you", "u", "ur", "your", "can",
    "could", "will", "would", "there", "here", "nearest", "closest", "locker", "lockers", "station", "stations",
    "pickup", "pick", "up", "point", "points", "opening", "hours", "open", "today", "tomorrow", "now", "area", "city",
    "postcode", "zip", "code", "post", "i", "we", "us", "this", "that", "any", "some", "one", "of", "on", "be",
    "get", "cheap", "cheapest", "express", "days", "day", "long", "take", "takes", "time", "hi", "hello", "hey",
    "guys", "yes", "no", "ok", "okay", "thanks", "thank", "dont", "don't", "not", "cover", "serve", "served",
    "service", "ya", "yall", "y'all", "still", "also", "too", "office", "branch", "shop", "store", "courier",
    "address", "home", "where", "when", "which", "who", "why", "weight", "weighs", "heavy", "about", "approx",
    "roughly", "around", "lah", "la", "ah", "bro", "sir", "mate", "boss", "abeg", "tell", "know", "want", "need",
    "like", "cost?", "costs?", "other", "another", "same", "documents", "document", "stuff", "things", "items",
    "gift", "gifts", "clothes", "shoes", "phone", "laptop", "books", "food",
}
_RU_PREPOSITIONS = {"в", "во", "до", "на", "из", "по", "к", "ко", "для", "около", "возле", "рядом"}
_RU_STOP = {
    "кг", "кило", "килограмм", "килограмма", "килограммов", "грамм", "граммов", "посылку", "посылка", "посылки",
    "посылке", "коробку", "день", "дня", "дней", "сутки", "неделю", "течение", "среднем", "пункт", "пункте",
    "пункты", "постамат", "постамате", "постаматы", "отделение", "отделении", "город", "городе", "районе", "район",
    "сколько", "стоит", "стоимость", "цена", "доставка", "доставку", "доставки", "отправить", "отправка", "мне",
    "меня", "вас", "вы", "ваш", "ваши", "ближайший", "ближайшие", "ближайшая", "работает", "работают", "часы",
    "часов", "час", "выдачи", "адрес", "дом", "дому", "дверь", "двери", "работы", "это", "этот", "там", "тут",
    "здесь", "где", "когда", "как", "какой", "какая", "какие", "ли", "можно", "нужно", "надо", "хочу", "есть",
    "нет", "да", "и", "или", "а", "но", "же", "то", "кто", "что", "чем", "сегодня", "завтра", "вечером", "утром",
    "днём", "днем", "понедельник", "субботу", "воскресенье", "выходные", "россии", "россию", "китай", "китае",
    "область", "области", "край", "крае", "страну", "страны", "сторону", "среднем", "раз", "рублей", "юаней",
    "тарифу", "тариф", "тарифы", "курьером", "курьер", "почта", "почтой", "почту", "ящик", "ячейку", "среду",
    "пятницу", "четверг", "вторник", "обед", "обеда", "вечер", "утро", "ночь", "круглосуточно", "пожалуйста",
    "подскажите", "скажите", "доставляете", "возите", "везёте", "везете", "работаете", "отправляете", "шлёте",
    "все", "всё", "весь", "любой", "любую", "другой", "другую", "отправлю", "отправлять", "привет", "здравствуйте",
}
_ZH_STOP = {
    "东西", "快递", "包裹", "运费", "邮费", "多少", "多少钱", "驿站", "快递柜", "丰巢", "自提点", "自取点", "取件点",
    "网点", "你们", "我们", "请问", "最近", "附近", "这边", "那边", "哪里", "哪儿", "什么", "几天", "时间", "可以",
    "能", "送", "寄", "一下", "地方", "国内", "国外", "海外", "城市", "公斤", "千克", "几点", "营业", "关门", "开门",
    "上门", "派送", "配送", "范围", "价格", "价钱", "收费", "费用", "要", "吗", "呢", "的", "了", "我", "你", "在",
    "到", "去", "往", "发", "件", "邮寄", "寄件", "寄快递", "这里", "那里", "家里", "家", "公司", "小区", "楼下",
    "门口", "市区", "郊区", "农村", "乡下", "偏远地区", "本市", "同城", "省内", "外地", "文件", "衣服", "手机",
    "电脑", "行李", "箱子", "一箱", "大概", "需要", "送货", "收件", "取件", "柜子", "柜", "站", "点", "送到", "寄到",
    "发到", "运到", "以后", "下次", "今天", "明天", "早上", "晚上", "下午", "上午", "中午", "周末", "一般", "老板",
    "亲", "您好", "你好", "谢谢", "麻烦", "问下", "问一下", "全国", "大陆", "内地", "港澳台", "中国",
}
_ZH_DIRECTION = {"到", "去", "往", "至", "寄", "发", "送", "在", "寄到", "发到", "送到", "运到", "寄去", "发去", "寄往",
                 "发往", "送往", "离"}
_ZH_PLACE_FLAGS = {"ns", "nr", "nrt", "nz", "nrfg", "nt"}
_ZH_SUFFIXES = ("市", "省", "区", "县", "區", "縣")

_jieba_ready = False
_t2s_converter = None


def _t2s(text: str) -> str:
    global _t2s_converter
    if _t2s_converter is None:
        import opencc

        _t2s_converter = opencc.OpenCC("t2s")
    return _t2s_converter.convert(text)


def _posseg(text: str):
    global _jieba_ready
    import jieba
    import jieba.posseg

    if not _jieba_ready:
        import logging

        jieba.setLogLevel(logging.WARNING)
        _jieba_ready = True
    return list(jieba.posseg.cut(text))


def _unique(values: Iterable[str]) -> List[str]:
    seen, out = set(), []
    for value in values:
        value = value.strip(" .,!?;:'\"()[]。，！？；：、")
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _han_candidates(text: str) -> List[str]:
    """Places in Chinese: the word after 到/去/寄…, then words jieba tags as names, then their shorter forms."""
    simplified = _t2s(text)
    same_length = len(simplified) == len(text)
    words, position = [], 0
    for pair in _posseg(simplified):
        start = simplified.find(pair.word, position)
        position = start + len(pair.word)
        original = text[start:position] if same_length and start >= 0 else pair.word
        words.append((original, pair.word, pair.flag))
    directed, named = [], []
    for index, (original, simple, flag) in enumerate(words):
        if not HAN_RE.search(simple) or simple in _ZH_STOP or len(simple) < 2:
            continue
        after_direction = index > 0 and words[index - 1][1] in _ZH_DIRECTION
        if after_direction:
            directed.append(original)
        if flag in _ZH_PLACE_FLAGS:
            named.append(original)
    first = [words[0][0]] if words and HAN_RE.search(words[0][1]) and words[0][1] not in _ZH_STOP \
        and len(words[0][1]) >= 2 else []
    found = directed + named + first
    shorter = []
    for value in found:
        if value.endswith(_ZH_SUFFIXES) and len(value) >= 3:
            shorter.append(value[:-1])
        if len(value) >= 4:
            shorter += [value[:2], value[:3]]
    return _unique(found + shorter)


def _ru_forms(word: str) -> List[str]:
    """Nominative guesses for a city in another case: Москву/Москве -> Москва, Пекине -> Пекин, Казани -> Казань."""
    word = word.strip("-")
    low = word.lower()
    forms = [word]
    stem = word[:-1]
    if low.endswith(("у", "ы")):
        forms += [stem + "а"]
    elif low.endswith("ю"):
        forms += [stem + "я", stem + "ь"]
    elif low.endswith("е"):
        forms += [stem, stem + "а", stem + "й", stem + "ь", stem + "я"]
    elif low.endswith("и"):
        forms += [stem + "ь", stem + "я", stem + "а"]
    elif low.endswith("а"):
        forms += [stem]
    elif low.endswith(("ом", "ем")):
        forms += [word[:-2], word[:-2] + "ь"]
    elif low.endswith(("ой", "ей")):
        forms += [word[:-2] + "а", word[:-2] + "я"]
    # City names are written with a capital: "москву" -> "Москва" (the helpdesk compares case-insensitively).
    return [form[:1].upper() + form[1:] for form in forms if len(form) >= 3]


_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?", re.UNICODE)


def _latin_cyrillic_candidates(text: str) -> List[str]:
    tokens = [m.group(0).rstrip(".") for m in _WORD_RE.finditer(text) if not HAN_RE.search(m.group(0))]
    spans, capitals = [], []
    for index, token in enumerate(tokens):
        low = token.lower()
        cyrillic = bool(re.search(r"[а-яё]", low))
        prepositions, stop = (_RU_PREPOSITIONS, _RU_STOP) if cyrillic else (_EN_PREPOSITIONS, _EN_STOP)
        if low in prepositions:
            span = []
            for follower in tokens[index + 1:index + 4]:
                if follower.lower() in stop or follower.lower() in prepositions:
                    break
                span.append(follower)
            if span:
                spans.append(span)
        elif token[:1].isupper() and low not in stop and low not in prepositions and index > 0:
            capitals.append([token] + [t for t in tokens[index + 1:index + 3] if t[:1].isupper()][:2])
    candidates: List[str] = []
    for span in spans + capitals:
        for length in range(len(span), 0, -1):
            phrase = " ".join(span[:length])
            if re.search(r"[а-яё]", phrase.lower()) and length == 1:
                candidates += _ru_forms(phrase)
            else:
                candidates.append(phrase)
    return _unique(candidates)


_FILLERS = re.compile(
    r"^(?:to|in|into|near|city of|the city of|it's|its|it is|i'm in|im in|i live in|ship to|send to|в|во|до|город|"
    r"г\.|я в|живу в|到|去|寄到|发到|送到|在|寄去|寄往|发往)\s*|"
    r"(?:please|pls|plz|пожалуйста|city|市)\s*$",
    re.IGNORECASE,
)


def place_candidates(text: Optional[str], *, answer: bool = False) -> List[str]:
    """Strings that may name the place in a message, most likely first; `answer`: the text answers "which city?"."""
    text = unicodedata.normalize("NFKC", text or "")
    text = TRACKING_NUMBER_RE.sub(" ", text)
    text = _POSTCODE_RE.sub(" ", text)
    text = _WEIGHT_RE.sub(" ", text)
    candidates: List[str] = []
    if answer:
        whole = " ".join(text.split()).strip(" .,!?。，！？")
        for _ in range(2):
            whole = _FILLERS.sub("", whole).strip(" .,!?。，！？")
        if whole and len(whole) <= 40:
            candidates.append(whole)
            if re.fullmatch(r"[а-яёА-ЯЁ-]+", whole):
                candidates += _ru_forms(whole)
            if HAN_RE.search(whole) and whole.endswith(_ZH_SUFFIXES) and len(whole) >= 3:
                candidates.append(whole[:-1])
    if HAN_RE.search(text):
        candidates += _han_candidates(text)
    candidates += _latin_cyrillic_candidates(text)
    if answer and not HAN_RE.search(text):
        words = [w for w in _WORD_RE.findall(text) if w.lower() not in _EN_STOP | _RU_STOP]
        if len(words) == 1:
            candidates += _ru_forms(words[0]) if re.search(r"[а-яё]", words[0].lower()) else [words[0]]
    return _unique(candidates)


# --------------------------------------------------------------------------------------------------------------
# Pickup points, opening hours
# --------------------------------------------------------------------------------------------------------------
_LOCKER_WORDS = ["locker", "parcel box", "快递柜", "丰巢", "智能柜", "智能櫃", "快遞櫃", "豐巢", "柜子", "櫃", "柜",
                 "постамат", "ячейк", "шкаф", "pudo", "7-11", "便利店", "便利商店"]
_STATION_WORDS = ["station", "pickup point", "pick-up point", "pick up point", "pickup station", "branch", "office",
                  "depot", "collection point", "驿站", "驛站", "网点", "網點", "自提点", "自提點", "自取点", "自取點",
                  "取件点", "取件點", "取件站", "服务点", "服務點", "门店", "門市", "营业部", "營業部", "пункт",
                  "пвз", "отделени", "офис", "самовывоз"]


def pickup_kind_find(text: Optional[str]) -> Optional[str]:
    """`locker` or `station` when the message names one kind only."""
    cleaned = _clean(text)
    locker = _has(cleaned, _LOCKER_WORDS)
    station = _has(cleaned, _STATION_WORDS)
    if locker and not station:
        return "locker"
    if station and not locker:
        return "station"
    return None


_HOURS_WORDS = ["hour", "open", "close", "closing", "what time", "until when", "till when", "24/7", "weekend",
                "sunday", "saturday", "几点", "幾點", "营业", "營業", "关门", "關門", "开门", "開門", "上班", "下班",
                "时间", "時間", "周末", "週末", "星期天", "礼拜天", "禮拜日", "幾時", "几时", "часы", "работает",
                "работают", "до скольки", "во сколько", "со скольки", "открыт", "закрыва", "открыва",
                "круглосуточно", "выходн", "воскресен", "суббот", "график"]


def hours_question(text: Optional[str]) -> bool:
    """The message asks when stations/lockers are open rather than where they are."""
    cleaned = _clean(text)
    return _has(cleaned, _HOURS_WORDS)


# --------------------------------------------------------------------------------------------------------------
# Delivery preference
# --------------------------------------------------------------------------------------------------------------
DELIVERY_METHODS = ["door", "station", "locker"]
_DOOR_WORDS = ["door", "home", "house", "my address", "to me", "hand it", "in person", "送货上门", "送貨上門", "上门",
               "上門", "送到家", "送到门口", "送到門口", "家里", "家裡", "屋企", "親手", "亲手", "до двери", "домой",
               "на дом", "курьер", "лично в руки", "в руки", "по адресу", "до квартиры"]


def delivery_method_find(text: Optional[str]) -> Optional[str]:
    """door / station / locker named in a message."""
    kind = pickup_kind_find(text)
    if kind:
        return kind
    cleaned = _clean(text)
    if _has(cleaned, _DOOR_WORDS):
        return "door"
    return None


def delivery_method_answer(text: Optional[str]) -> Optional[str]:
    """An answer to "door, station or locker?": 1/2/3 or words."""
    cleaned = _clean(text)
    if cleaned in DELIVERY_METHODS:
        return cleaned
    index = option_number(cleaned, 3) if len(cleaned) <= 12 else None
    if index is not None:
        return DELIVERY_METHODS[index]
    return delivery_method_find(cleaned)


TIME_SLOTS = ["morning", "afternoon", "evening", "any"]
_SLOT_WORDS = {
    "morning": ["morning", "a.m", "before noon", "before 12", "早上", "上午", "早晨", "朝早", "晨早", "утр", "до обеда",
                "с утра"],
    "afternoon": ["afternoon", "midday", "lunch", "after lunch", "下午", "中午", "下晝", "晏晝", "днём", "днем",
                  "после обеда", "в обед", "дневн"],
    "evening": ["evening", "night", "after work", "after 6", "after 7", "after six", "p.m", "晚上", "傍晚", "夜晚",
                "下班后", "下班後", "夜晚", "收工後", "收工后", "夜晚", "夜", "вечер", "после работы", "после 18",
                "после 19", "поздно"],
    "any": ["any time", "anytime", "whenever", "doesn't matter", "dont mind", "don't mind", "all day", "随时", "隨時",
            "都可以", "都得", "任何时间", "任何時間", "全天", "无所谓", "無所謂", "любое время", "в любое", "без разницы",
            "неважно", "не важно", "весь день"],
}


def time_slot_find(text: Optional[str]) -> Optional[str]:
    """morning / afternoon / evening / any named in a message (the first one when several are named)."""
    cleaned = _clean(text)
    hits = []
    for slot, words in _SLOT_WORDS.items():
        position = _position(cleaned, words)
        if position is not None:
            hits.append((position, slot))
    return min(hits)[1] if hits else None


def time_slot_answer(text: Optional[str]) -> Optional[str]:
    cleaned = _clean(text)
    if cleaned in TIME_SLOTS:
        return cleaned
    index = option_number(cleaned, 4) if len(cleaned) <= 12 else None
    if index is not None:
        return TIME_SLOTS[index]
    return time_slot_find(cleaned)


_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_WEEKDAYS_SHORT = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_ZH_WEEKDAY_CHARS = "一二三四五六日"
_RU_WEEKDAYS = ["понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресен"]


def appointment_date_find(text: Optional[str], today: dt.date) -> Optional[str]:
    """An appointment day named in a message ("tomorrow", "on saturday", "周六", "в пятницу", "26.11", "11月26日"),
    as an ISO date from tomorrow on; None when none is named."""
    cleaned = _clean(text)
    if any(w in cleaned for w in ["day after tomorrow", "后天", "後天", "послезавтра"]):
        return (today + dt.timedelta(days=2)).isoformat()
    if any(w in cleaned for w in ["tomorrow", "tmr", "tmrw", "明天", "明日", "聽日", "听日", "завтра"]):
        return (today + dt.timedelta(days=1)).isoformat()
    match = re.search(r"(20\d\d)-(\d\d)-(\d\d)", cleaned)
    day = None
    try:
        if match:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        elif (match := re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]", cleaned)):
            day = dt.date(today.year, int(match.group(1)), int(match.group(2)))
        elif (match := re.search(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?![\d.])", cleaned)) \
                and re.search(r"[а-яё]", cleaned):
            day = dt.date(today.year, int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    if day is not None:
        if day <= today:
            day = day.replace(year=day.year + 1) if day.year == today.year else day
        return day.isoformat()
    weekday = None
    for index, (name, short) in enumerate(zip(_EN_WEEKDAYS, _EN_WEEKDAYS_SHORT)):
        if re.search(rf"\b(?:{name}|{short})\b", cleaned):
            weekday = index
    zh = re.search(r"(?:周|週|星期|礼拜|禮拜)([一二三四五六日天])", cleaned)
    if zh:
        weekday = _ZH_WEEKDAY_CHARS.index("日" if zh.group(1) == "天" else zh.group(1))
    for index, stem in enumerate(_RU_WEEKDAYS):
        if stem in cleaned:
            weekday = index
    if weekday is None:
        return None
    ahead = (weekday - today.weekday()) % 7 or 7
    return (today + dt.timedelta(days=ahead)).isoformat()


# --------------------------------------------------------------------------------------------------------------
# Returns
# --------------------------------------------------------------------------------------------------------------
RETURN_REASONS = ["damaged", "wrong_item", "not_as_described", "no_longer_needed", "other"]
_REASON_WORDS = [
    ("damaged", ["damage", "broken", "smashed", "crushed", "cracked", "torn", "leak", "破损", "破損", "坏了", "壞了",
                 "碎了", "摔坏", "摔壞", "压坏", "壓壞", "烂了", "爛咗", "爛了", "漏了", "повреж", "разбит", "сломан",
                 "помят", "порван", "треснул", "протек", "бьёт", "не работает"]),
    ("wrong_item", ["wrong", "not what i ordered", "not mine", "someone else", "different item", "another item",
                    "发错", "發錯", "寄错", "寄錯", "送错", "送錯", "不是我买的", "不是我買的", "唔係我買", "不是我的",
                    "не тот товар", "не тот заказ", "не ту вещь", "не то что заказ", "не мой", "не моя", "перепутали",
                    "чужой", "чужая", "другой товар"]),
    ("not_as_described", ["not as described", "doesn't match", "does not match", "different from", "fake", "quality",
                          "looks different", "wrong size", "wrong colour", "wrong color", "doesn't fit", "does not fit",
                          "与描述不符", "與描述不符", "描述不符", "不符", "质量", "質量", "品質", "假货", "假貨", "色差",
                          "尺码不对", "尺碼不對", "尺寸不对", "尺寸不對", "不合身", "不一样", "不一樣", "唔同",
                          "не соответствует", "не как на фото", "не такой", "не такая", "качеств", "подделк",
                          "не подош", "размер не", "не тот размер", "не тот цвет", "брак", "не такого"]),
    ("no_longer_needed", ["no longer need", "don't need", "dont need", "do not need", "changed my mind", "don't want",
                          "dont want", "not needed", "cancel", "不需要", "不要了", "不想要", "唔要", "唔想要", "用不上",
                          "不用了", "改变主意", "改變主意", "买多了", "買多了", "не нужн", "передумал", "не надо",
                          "не хочу", "ненужн", "лишн"]),
    ("other", ["other", "something else", "another reason", "其他", "其它", "别的", "別的", "другое", "другая причина",
               "иное"]),
]


def return_reason_find(text: Optional[str]) -> Optional[str]:
    cleaned = _clean(text)
    for reason, words in _REASON_WORDS:
        if _has(cleaned, words):
            return reason
    return None


def return_reason_answer(text: Optional[str]) -> Optional[str]:
    cleaned = _clean(text)
    if cleaned in RETURN_REASONS:
        return cleaned
    index = option_number(cleaned, len(RETURN_REASONS)) if len(cleaned) <= 12 else None
    if index is not None:
        return RETURN_REASONS[index]
    return return_reason_find(cleaned)


RETURN_METHODS = ["pickup", "drop_off"]
_PICKUP_WORDS = ["collect", "pick it up", "pick up from", "pickup from", "come and get", "come get", "courier",
                 "from my home", "from home", "from my address", "上门取件", "上門取件", "上门", "上門", "来拿", "來拿",
                 "来取", "來取", "上嚟攞", "курьер", "заберите", "забрать", "заберет", "заберёт", "с адреса",
                 "из дома", "приедет"]
_DROP_WORDS = ["drop", "bring it", "take it to", "myself", "自己送", "自己拿", "自己寄", "送到驿站", "送去", "拿去",
               "攞去", "сам отнес", "сама отнес", "сам отвез", "сама отвез", "сдам", "сдать", "отнесу", "отвезу"]


def return_method_find(text: Optional[str]) -> Optional[str]:
    cleaned = _clean(text)
    if _has(cleaned, _DROP_WORDS) or pickup_kind_find(cleaned):
        return "drop_off"
    if _has(cleaned, _PICKUP_WORDS):
        return "pickup"
    return None


def return_method_answer(text: Optional[str]) -> Optional[str]:
    cleaned = _clean(text)
    if cleaned in RETURN_METHODS:
        return cleaned
    index = option_number(cleaned, 2) if len(cleaned) <= 12 else None
    if index is not None:
        return RETURN_METHODS[index]
    return return_method_find(cleaned)
