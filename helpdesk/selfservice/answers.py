"""Ready-to-say sentences for the bot, in the customer's language; the data in them comes from the helpdesk."""
from __future__ import annotations

TEXTS = {
    "fee": {
        "en": "Sending {weight} kg to {place} ({zone}) costs {price} {currency}{transit}.",
        "zh-hans": "寄往{place}（{zone}）的 {weight} 公斤包裹运费为 {price} {currency}{transit}。",
        "zh-hant": "寄往{place}（{zone}）的 {weight} 公斤包裹運費為 {price} {currency}{transit}。",
        "ru": "Отправка {weight} кг по направлению «{place}» ({zone}) стоит {price} {currency}{transit}.",
    },
    "transit": {
        "en": ", usually {days} days on the way",
        "zh-hans": "，一般 {days} 天送达",
        "zh-hant": "，一般 {days} 天送達",
        "ru": ", срок доставки — {days} дн",
    },
    "served": {
        "en": "Yes, we deliver to {place} (zone: {zone}).",
        "zh-hans": "是的，我们送达{place}（区域：{zone}）。",
        "zh-hant": "是的，我們送達{place}（區域：{zone}）。",
        "ru": "Да, мы доставляем по направлению «{place}» (зона: {zone}).",
    },
    "not_served": {
        "en": "Sorry, we do not deliver to {place} yet.",
        "zh-hans": "抱歉，我们暂不送达{place}。",
        "zh-hant": "抱歉，我們暫不送達{place}。",
        "ru": "К сожалению, по направлению «{place}» мы пока не доставляем.",
    },
    "points_intro": {
        "en": "Nearest pickup points to {place}:",
        "zh-hans": "离{place}最近的取件点：",
        "zh-hant": "離{place}最近的取件點：",
        "ru": "Ближайшие пункты выдачи ({place}):",
    },
    "points_none": {
        "en": "We have no pickup station or locker in {place} yet.",
        "zh-hans": "{place}暂无驿站或快递柜。",
        "zh-hant": "{place}暫無取件站或智能櫃。",
        "ru": "Пока у нас нет пунктов выдачи и постаматов в этом населённом пункте ({place}).",
    },
    "point_line": {
        "en": "{n}. {name} ({kind}), {address}, open {hours}{distance}",
        "zh-hans": "{n}. {name}（{kind}），{address}，营业时间 {hours}{distance}",
        "zh-hant": "{n}. {name}（{kind}），{address}，營業時間 {hours}{distance}",
        "ru": "{n}. {name} ({kind}), {address}, часы работы: {hours}{distance}",
    },
    "distance": {"en": ", {km} km", "zh-hans": "，{km} 公里", "zh-hant": "，{km} 公里", "ru": ", {km} км"},
    "kind_locker": {"en": "locker", "zh-hans": "快递柜", "zh-hant": "智能櫃", "ru": "постамат"},
    "kind_station": {"en": "pickup station", "zh-hans": "驿站", "zh-hant": "取件站", "ru": "пункт выдачи"},
    "preference_set": {
        "en": "Done: {what}{when}. The courier will plan the delivery of {tn} on it.",
        "zh-hans": "已设置：{what}{when}。快递员将按此安排 {tn} 的派送。",
        "zh-hant": "已設定：{what}{when}。快遞員將按此安排 {tn} 的派送。",
        "ru": "Готово: {what}{when}. Курьер спланирует доставку {tn} с учётом этого.",
    },
    "pref_door": {"en": "delivery to your door", "zh-hans": "送货上门", "zh-hant": "送貨上門", "ru": "доставка до двери"},
    "pref_point": {"en": "pickup at {name}", "zh-hans": "到{name}自取", "zh-hant": "到{name}自取", "ru": "получение в пункте «{name}»"},
    "pref_when": {"en": ", {slots}", "zh-hans": "，{slots}", "zh-hant": "，{slots}", "ru": ", {slots}"},
    "pref_on": {"en": " on {date}", "zh-hans": "，{date}", "zh-hant": "，{date}", "ru": ", {date}"},
    "slot_morning": {"en": "morning 09:00–12:00", "zh-hans": "上午 09:00–12:00", "zh-hant": "上午 09:00–12:00", "ru": "утро 09:00–12:00"},
    "slot_afternoon": {"en": "afternoon 12:00–18:00", "zh-hans": "下午 12:00–18:00", "zh-hant": "下午 12:00–18:00", "ru": "день 12:00–18:00"},
    "slot_evening": {"en": "evening 18:00–21:00", "zh-hans": "晚上 18:00–21:00", "zh-hant": "晚上 18:00–21:00", "ru": "вечер 18:00–21:00"},
    "return_pickup": {
        "en": "Your return {rtn} for {tn} is booked. A courier will collect it at {address} on {date}. Track it with {rtn}.",
        "zh-hans": "{tn} 的退货 {rtn} 已登记，快递员将于 {date} 到 {address} 上门取件。可用 {rtn} 查询进度。",
        "zh-hant": "{tn} 的退貨 {rtn} 已登記，快遞員將於 {date} 到 {address} 上門取件。可用 {rtn} 查詢進度。",
        "ru": "Возврат {rtn} по отправлению {tn} оформлен. Курьер заберёт посылку по адресу {address} {date}. Отслеживайте его по номеру {rtn}.",
    },
    "return_drop_off": {
        "en": "Your return {rtn} for {tn} is booked. Drop the parcel off at {name}, {address} (open {hours}) and show the number {rtn}.",
        "zh-hans": "{tn} 的退货 {rtn} 已登记。请将包裹送到{name}（{address}，营业时间 {hours}），并出示单号 {rtn}。",
        "zh-hant": "{tn} 的退貨 {rtn} 已登記。請將包裹送到{name}（{address}，營業時間 {hours}），並出示單號 {rtn}。",
        "ru": "Возврат {rtn} по отправлению {tn} оформлен. Сдайте посылку в «{name}», {address} (часы работы: {hours}) и назовите номер {rtn}.",
    },
}


def say(key: str, language: str, **values) -> str:
    table = TEXTS[key]
    return table.get(language, table["en"]).format(**values)
