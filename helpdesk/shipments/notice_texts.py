"""What proactive delivery notices say, in English, Simplified Chinese, Traditional Chinese and Russian.

The failed-attempt notice offers its choices as things a customer can simply type back; the bot reads the
answer like any other message ("deliver tomorrow" → reschedule, "send it to a locker" / "leave it with my
neighbour at …" → address change or redirect).
"""
from __future__ import annotations

import datetime as dt

LANGUAGES = ("en", "zh-hans", "zh-hant", "ru")

_WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "zh-hans": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    "zh-hant": ["週一", "週二", "週三", "週四", "週五", "週六", "週日"],
    "ru": ["пн", "вт", "ср", "чт", "пт", "сб", "вс"],
}
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря"]


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "en"


def day_text(day: dt.date, language: str) -> str:
    """Tue 24 Nov · 11月24日（周二） · 11月24日（週二） · 24 ноября (вт)"""
    language = _lang(language)
    weekday = _WEEKDAYS[language][day.weekday()]
    if language == "en":
        return f"{weekday} {day.day} {_MONTHS_EN[day.month - 1]}"
    if language == "ru":
        return f"{day.day} {_MONTHS_RU[day.month - 1]} ({weekday})"
    return f"{day.month}月{day.day}日（{weekday}）"


def moment_text(moment: dt.datetime, language: str, *, today: dt.date) -> str:
    """A local time: "today at 14:05" / "on Tue 24 Nov at 14:05" (and the same in the other languages)."""
    language = _lang(language)
    clock = f"{moment:%H:%M}"
    if moment.date() == today:
        return {"en": f"today at {clock}", "zh-hans": f"今天 {clock}", "zh-hant": f"今天 {clock}",
                "ru": f"сегодня в {clock}"}[language]
    day = day_text(moment.date(), language)
    return {"en": f"on {day} at {clock}", "zh-hans": f"{day}{clock}", "zh-hant": f"{day}{clock}",
            "ru": f"{day} в {clock}"}[language]


def window_text(day: dt.date, start: str | None, end: str | None, language: str, *, today: dt.date) -> str:
    """When a courier will come: "today between 14:00 and 16:00", "今天 14:00–16:00", "сегодня с 14:00 до 16:00"."""
    language = _lang(language)
    if day == today:
        when = {"en": "today", "zh-hans": "今天", "zh-hant": "今天", "ru": "сегодня"}[language]
    else:
        when = ("on " if language == "en" else "") + day_text(day, language)
    if not (start and end):
        return when
    return {"en": f"{when} between {start} and {end}", "zh-hans": f"{when} {start}–{end}",
            "zh-hant": f"{when} {start}–{end}", "ru": f"{when} с {start} до {end}"}[language]


OUT_FOR_DELIVERY = {
    "en": "Your parcel {tn} is out for delivery and should arrive {when}.\n"
          "Your handover code is {code}. Tell it to the courier only when you have the parcel in your hands.",
    "zh-hans": "您的包裹 {tn} 正在派送中，预计{when}送达。\n"
               "收件码：{code}。请在拿到包裹时再把收件码告诉快递员。",
    "zh-hant": "您的包裹 {tn} 正在派送中，預計{when}送達。\n"
               "收件碼：{code}。請在拿到包裹時才把收件碼告訴速遞員。",
    "ru": "Посылка {tn} уже у курьера и будет доставлена {when}.\n"
          "Код получения: {code}. Назовите его курьеру, только когда посылка будет у вас в руках.",
}

DELAYED = {
    "en": "Sorry, your parcel {tn} is running late: it is now expected on {eta} instead of {old}.\n"
          "There is nothing you need to do. If that day doesn't suit you, reply “reschedule”.",
    "zh-hans": "抱歉，您的包裹 {tn} 派送有所延误，预计送达日期由{old}改为{eta}。\n"
               "您无需任何操作；如果这天不方便，请回复“改期”。",
    "zh-hant": "抱歉，您的包裹 {tn} 派送有所延誤，預計送達日期由{old}改為{eta}。\n"
               "您無需任何操作；如果當天不方便，請回覆「改期」。",
    "ru": "Извините, посылка {tn} задерживается: теперь мы ожидаем доставить её {eta} вместо {old}.\n"
          "Вам ничего делать не нужно. Если этот день не подходит, ответьте «перенести доставку».",
}

ATTEMPT_FAILED = {
    "en": "We tried to deliver your parcel {tn} {when}, but {reason}.\n"
          "What would you like us to do? Just reply:\n"
          "• “deliver tomorrow” (or another day) to choose a new delivery time\n"
          "• “send it to a locker” to pick it up from a parcel locker or pickup point\n"
          "• “leave it with my neighbour at …” with their flat or house number",
    "zh-hans": "我们{when}尝试派送您的包裹 {tn}，但{reason}。\n"
               "请问您希望怎么处理？直接回复即可：\n"
               "• “明天再送”（或其他日期）——重新约派送时间\n"
               "• “放快递柜”——改送快递柜或自提点，您自己去取\n"
               "• “放邻居家”并附上邻居的门牌号——请邻居代收",
    "zh-hant": "我們{when}嘗試派送您的包裹 {tn}，但{reason}。\n"
               "請問您希望怎樣處理？直接回覆即可：\n"
               "• 「明天再送」（或其他日期）——重新預約派送時間\n"
               "• 「放自提櫃」——改送智能櫃或自提點，由您自行領取\n"
               "• 「放鄰居家」並附上鄰居的門牌號——由鄰居代收",
    "ru": "Курьер пытался доставить посылку {tn} {when}, но {reason}.\n"
          "Что нам сделать? Просто ответьте:\n"
          "• «доставьте завтра» (или в другой день) — выбрать новое время доставки\n"
          "• «в постамат» — забрать посылку из постамата или пункта выдачи\n"
          "• «оставьте у соседей, кв. …» — с номером их квартиры",
}

WERE_YOU_HOME = {
    "en": "Were you at home? Reply “I was at home” and we will look into it.",
    "zh-hans": "当时您在家吗？请回复“我在家”，我们会核实处理。",
    "zh-hant": "當時您在家嗎？請回覆「我在家」，我們會核實處理。",
    "ru": "Вы были дома? Ответьте «я был дома», и мы разберёмся.",
}

ATTEMPT_REASONS = {
    "recipient_absent": {"en": "nobody was at home", "zh-hans": "家中无人", "zh-hant": "家中無人",
                         "ru": "никого не было дома"},
    "address_wrong": {"en": "the address seems to be wrong or incomplete", "zh-hans": "地址有误或不完整",
                      "zh-hant": "地址有誤或不完整", "ru": "адрес указан неверно или не полностью"},
    "refused": {"en": "the parcel was refused", "zh-hans": "包裹被拒收", "zh-hant": "包裹被拒收",
                "ru": "от посылки отказались"},
    "no_access": {"en": "the courier could not get into the building", "zh-hans": "快递员无法进入小区或楼栋",
                  "zh-hant": "速遞員無法進入大廈", "ru": "курьер не смог попасть в дом"},
    "locker_full": {"en": "the parcel locker was full", "zh-hans": "快递柜已满", "zh-hant": "智能櫃已滿",
                    "ru": "постамат был переполнен"},
    "damaged": {"en": "the parcel was damaged and is being checked", "zh-hans": "包裹有破损，正在核查",
                "zh-hant": "包裹有破損，正在核查", "ru": "посылка повреждена, мы её проверяем"},
    "other": {"en": "the courier could not complete the delivery", "zh-hans": "快递员未能完成派送",
              "zh-hant": "速遞員未能完成派送", "ru": "курьер не смог завершить доставку"},
}

DELIVERED = {
    "en": "Your parcel {tn} was delivered {when}.",
    "zh-hans": "您的包裹 {tn} 已于{when}送达。",
    "zh-hant": "您的包裹 {tn} 已於{when}送達。",
    "ru": "Посылка {tn} доставлена {when}.",
}
PROOF_OTP = {
    "en": "It was handed over with your handover code.",
    "zh-hans": "已凭收件码交付。",
    "zh-hant": "已憑收件碼交付。",
    "ru": "Вручена по коду получения.",
}
PROOF_SIGNED = {
    "en": "Signed for by {name}.",
    "zh-hans": "签收人：{name}。",
    "zh-hant": "簽收人：{name}。",
    "ru": "Получатель расписался: {name}.",
}
PROOF_PHOTO = {
    "en": "Photo of the delivery: {url}",
    "zh-hans": "送达照片：{url}",
    "zh-hant": "送達相片：{url}",
    "ru": "Фото доставки: {url}",
}
NOT_RECEIVED = {
    "en": "Not you, or no parcel? Reply “I didn't get my parcel” and we'll look into it straight away.",
    "zh-hans": "如果不是您本人签收或没有收到包裹，请回复“没收到包裹”，我们会立即核查。",
    "zh-hant": "如非本人簽收或沒有收到包裹，請回覆「沒收到包裹」，我們會立即跟進。",
    "ru": "Если посылку получили не вы или её нет, ответьте «посылку не получил», и мы сразу разберёмся.",
}


def out_for_delivery_text(*, language: str, tracking_number: str, when: str, code: str) -> str:
    return OUT_FOR_DELIVERY[_lang(language)].format(tn=tracking_number, when=when, code=code)


def delayed_text(*, language: str, tracking_number: str, eta: dt.date, previous: dt.date) -> str:
    language = _lang(language)
    return DELAYED[language].format(tn=tracking_number, eta=day_text(eta, language), old=day_text(previous, language))


def attempt_failed_text(*, language: str, tracking_number: str, when: str, reason: str) -> str:
    language = _lang(language)
    reason_text = ATTEMPT_REASONS.get(reason, ATTEMPT_REASONS["other"])[language]
    text = ATTEMPT_FAILED[language].format(tn=tracking_number, when=when, reason=reason_text)
    if reason == "recipient_absent":
        text += "\n" + WERE_YOU_HOME[language]
    return text


def delivered_text(*, language: str, tracking_number: str, when: str, otp_confirmed: bool, signed_by: str,
                   photo_url: str) -> str:
    language = _lang(language)
    lines = [DELIVERED[language].format(tn=tracking_number, when=when)]
    if otp_confirmed:
        lines.append(PROOF_OTP[language])
    if signed_by:
        lines.append(PROOF_SIGNED[language].format(name=signed_by))
    if photo_url:
        lines.append(PROOF_PHOTO[language].format(url=photo_url))
    lines.append(NOT_RECEIVED[language])
    return "\n".join(lines)
