"""Reading short answers in four languages: option numbers, scores, categories, dates."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Optional

from components.scripts import normalize_tracking_number

__all__ = [
    "normalize_tracking_number", "option_number", "nps_score_parse", "complaint_category_guess",
    "change_choice_parse", "is_skip", "is_cancel", "date_format", "time_format",
]

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_RU_NUMBERS = {
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "первый": 1, "первая": 1, "первое": 1, "два": 2, "две": 2,
    "второй": 2, "вторая": 2, "второе": 2, "три": 3, "третий": 3, "третья": 3, "третье": 3, "четыре": 4,
    "четвертый": 4, "четвёртый": 4, "пять": 5, "пятый": 5, "шесть": 6, "шестой": 6, "семь": 7, "седьмой": 7,
    "восемь": 8, "восьмой": 8, "девять": 9, "девятый": 9, "десять": 10, "десятый": 10,
}
_EN_NUMBERS = {
    "zero": 0, "one": 1, "first": 1, "two": 2, "second": 2, "three": 3, "third": 3, "four": 4, "fourth": 4,
    "five": 5, "fifth": 5, "six": 6, "sixth": 6, "seven": 7, "seventh": 7, "eight": 8, "eighth": 8,
    "nine": 9, "ninth": 9, "ten": 10, "tenth": 10,
}


def _clean(text: Optional[str]) -> str:
    # NFKC folds full-width digits (２) and letters that phone keyboards produce.
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _zh_number(text: str) -> Optional[int]:
    run = re.search(r"[零〇一二两兩三四五六七八九十]+", text)
    if not run:
        return None
    chars = run.group(0)
    if chars == "十":
        return 10
    if len(chars) == 1:
        return _ZH_DIGITS[chars]
    if len(chars) == 2 and chars[0] == "十":  # 十一 .. 十九
        return 10 + _ZH_DIGITS[chars[1]]
    return None


def small_number(text: Optional[str]) -> Optional[int]:
    """The one number a short answer gives: "2", "２", "#2", "第二个", "второй", "ten"."""
    cleaned = _clean(text)
    digits = re.findall(r"\d+", cleaned)
    if len(digits) == 1:
        return int(digits[0])
    if digits:
        return None
    number = _zh_number(cleaned)
    if number is not None:
        return number
    for word in re.findall(r"[^\W\d_]+", cleaned):
        if word in _RU_NUMBERS:
            return _RU_NUMBERS[word]
        if word in _EN_NUMBERS:
            return _EN_NUMBERS[word]
    return None


def option_number(text: Optional[str], count: int) -> Optional[int]:
    """Zero-based index of the option the customer picked from a numbered list of `count`."""
    number = small_number(text)
    if number is None or not 1 <= number <= count:
        return None
    return number - 1


def nps_score_parse(text: Optional[str]) -> Optional[int]:
    number = small_number(text)
    return number if number is not None and 0 <= number <= 10 else None


_COMPLAINT_KEYWORDS = [
    # Order matters: a fake attempt usually also mentions the courier.
    ("fake_attempt", ["was home", "was at home", "i was in", "nobody home", "no one home", "not home but",
                      "didn't even ring", "didnt even ring", "never came", "fake", "была дома",
                      "был дома", "никто не звонил", "даже не звонил", "не приезжал", "вообще не приходил",
                      "我在家", "明明在家", "根本没来", "根本沒來", "虚假", "虛假", "没打电话", "沒打電話", "冇人", "喺屋企"]),
    ("damaged", ["damage", "broken", "smashed", "crushed", "wet", "torn", "повреж", "разбит", "сломан", "помят",
                 "мокр", "порван", "破损", "破損", "摔坏", "摔壞", "坏了", "壞了", "碎了", "压坏", "壓壞", "湿", "濕", "爛"]),
    ("lost", ["lost", "missing", "never arrived", "never received", "потерял", "потеря", "пропал", "не получил",
              "丢了", "丟了", "丢失", "遺失", "遗失", "不见了", "不見了", "冇收到", "没收到", "沒收到"]),
    ("courier_conduct", ["rude", "courier was", "driver was", "threw", "shouted", "yelled", "attitude", "груб", "хам",
                         "кинул", "бросил", "наорал", "态度", "態度", "骂", "罵", "扔", "乱丢", "亂丟", "凶", "兇"]),
    ("late", ["late", "delay", "slow", "still not", "overdue", "опозд", "задерж", "долго", "до сих пор",
              "慢", "延误", "延誤", "迟", "遲", "还没到", "還沒到", "仲未到", "超时", "超時"]),
]
_CATEGORY_ORDER = ["late", "damaged", "lost", "courier_conduct", "fake_attempt", "other"]


def complaint_category_guess(text: Optional[str]) -> Optional[str]:
    """The complaint category a message names, if it clearly names one."""
    cleaned = _clean(text)
    for category, words in _COMPLAINT_KEYWORDS:
        if any(word in cleaned for word in words):
            return category
    return None


def complaint_category_parse(text: Optional[str]) -> Optional[str]:
    """An answer to "what is your complaint about?": an option number 1-6, a category name or keywords."""
    cleaned = _clean(text)
    if cleaned in _CATEGORY_ORDER:
        return cleaned
    index = option_number(cleaned, len(_CATEGORY_ORDER)) if len(cleaned) <= 12 else None
    if index is not None:
        return _CATEGORY_ORDER[index]
    guess = complaint_category_guess(cleaned)
    if guess:
        return guess
    if any(word in cleaned for word in ["other", "something else", "другое", "другая", "其他", "其它", "別的", "别的"]):
        return "other"
    return None


_PICKUP_WORDS = ["locker", "pickup", "pick up", "pick-up", "collect", "station", "point", "постамат", "пункт",
                 "пвз", "самовывоз", "ячейк", "柜", "櫃", "驿站", "驛站", "自提", "自取", "网点", "網點", "7-11", "便利店"]
_ADDRESS_WORDS = ["address", "new address", "home", "office", "адрес", "地址", "住址"]


def change_choice_parse(text: Optional[str]) -> Optional[str]:
    """`address` or `pickup_point` from "1"/"2" or words."""
    cleaned = _clean(text)
    if cleaned in ("address", "pickup_point"):
        return cleaned
    index = option_number(cleaned, 2) if len(cleaned) <= 12 else None
    if index is not None:
        return ["address", "pickup_point"][index]
    if any(word in cleaned for word in _PICKUP_WORDS):
        return "pickup_point"
    if any(word in cleaned for word in _ADDRESS_WORDS):
        return "address"
    return None


_SKIP = {"skip", "no", "nope", "nothing", "none", "n/a", "-", "нет", "пропустить", "ничего", "не", "跳过", "略過",
         "跳過", "没有", "沒有", "冇", "无", "無", "不用", "算了"}


def is_skip(text: Optional[str]) -> bool:
    return _clean(text).strip(" .!。！") in _SKIP


# An explicit "stop" while a form waits for free text (a complaint's story, a new address): the whole
# message is a cancel phrase, possibly with a negation, "please" or "thanks" around it. A message with any
# other word ("курьер не приехал", "not delivered", "没人来") is the customer's answer, whatever intent
# the model gave it, so negations in a description can never drop the complaint.
_CANCEL_TRIGGERS = {
    # en
    "cancel", "cancelled", "canceled", "stop", "abort", "quit", "exit", "forget", "nevermind", "nvm", "no", "nope",
    "nah", "don't", "dont", "not", "never", "scratch",
    # ru
    "отмена", "отменить", "отмените", "отмени", "отменяю", "отменяем", "стоп", "хватит", "нет", "не", "неа",
    "нене", "передумал", "передумала", "передумали", "забудь", "забудьте", "отбой", "проехали", "отставить",
}
_CANCEL_FILLERS = {
    "it", "that", "this", "mind", "i", "i'm", "im", "changed", "my", "the", "complaint", "request", "change",
    "please", "pls", "plz", "thanks", "thank", "you", "thx", "ok", "okay", "now", "anymore", "need", "want",
    "do", "to", "all", "everything", "leave", "a", "go", "ahead", "with",
    "надо", "нужно", "хочу", "буду", "уже", "ничего", "пожалуйста", "спасибо", "спс", "давай", "давайте",
    "жалобу", "жалобы", "заявку", "всё", "все", "ладно", "это", "так", "я", "ок", "тогда", "оставьте",
    "оставим", "как", "есть", "меня", "мне", "пока", "тут", "лучше", "ну", "менять", "оформлять", "писать",
}
_CANCEL_PHRASES_HAN = sorted([
    "取消", "算了", "算啦", "算数", "算數", "不用了", "不用", "不要了", "不要", "不需要", "不必了", "不必", "不投诉了",
    "不投訴了", "不改了", "不弄了", "不搞了", "别弄了", "別弄了", "别改了", "別改了", "停止", "停", "退出", "撤销", "撤銷",
    "唔使", "唔要", "唔好", "冇事", "没事", "沒事", "不了", "没有", "沒有", "冇", "不",
], key=len, reverse=True)
_CANCEL_FILLERS_HAN = set("了吧啦啊呀哦喔嗯我先还還是那就这這个個咗喇囉好的你呢哈吗嗎麻烦煩谢謝唔该該喎")


def is_cancel(text: Optional[str]) -> bool:
    """The whole message asks to stop ("cancel", "нет, не надо", "算了，不投诉了"), nothing more."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 40:
        return False
    han = "".join(re.findall(r"[\u3400-\u9fff]", cleaned))
    words = re.findall(r"[a-zа-я']+", cleaned.replace("ё", "е").replace("’", "'"))
    if re.search(r"\d", cleaned) or (han and words):
        return False
    if han:
        rest, found = han, False
        for phrase in _CANCEL_PHRASES_HAN:
            if phrase in rest:
                found = True
                rest = rest.replace(phrase, "")
        return found and all(char in _CANCEL_FILLERS_HAN for char in rest)
    words = [word.strip("'") for word in words]
    return ((any(word in _CANCEL_TRIGGERS for word in words) or "changed my mind" in " ".join(words))
            and all(word in _CANCEL_TRIGGERS or word in _CANCEL_FILLERS for word in words))


_EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_ZH_HANS_DAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
_ZH_HANT_DAYS = ["週一", "週二", "週三", "週四", "週五", "週六", "週日"]
_RU_DAYS = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
_RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря"]


def date_format(value: Optional[str], language: Optional[str]) -> Optional[str]:
    """"2026-11-24" -> "Tue 24 Nov" / "11月24日（周二）" / "11月24日（週二）" / "24 ноября (вт)"."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    weekday = day.weekday()
    if language == "zh-hans":
        return f"{day.month}月{day.day}日（{_ZH_HANS_DAYS[weekday]}）"
    if language == "zh-hant":
        return f"{day.month}月{day.day}日（{_ZH_HANT_DAYS[weekday]}）"
    if language == "ru":
        return f"{day.day} {_RU_MONTHS[day.month - 1]} ({_RU_DAYS[weekday]})"
    return f"{_EN_DAYS[weekday]} {day.day} {_EN_MONTHS[day.month - 1]}"


def time_format(value: Optional[str], language: Optional[str]) -> Optional[str]:
    """An ISO timestamp as local date and time in the customer's language."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{date_format(moment.date().isoformat(), language)} {moment:%H:%M}"


def window_format(window: Optional[dict], language: Optional[str]) -> Optional[str]:
    """{"date", "start", "end"} -> "Tue 24 Nov, 09:00–12:00" in the customer's language."""
    if not window or not window.get("date"):
        return None
    return f"{date_format(window['date'], language)} {window.get('start', '')}–{window.get('end', '')}".strip()
