"""Customer-facing words for shipment states, in the four languages the bot speaks."""
from __future__ import annotations

STATUS_LABELS: dict[str, dict[str, str]] = {
    "created": {"en": "Label created", "zh-hans": "已下单", "zh-hant": "已建立運單", "ru": "Отправление зарегистрировано"},
    "picked_up": {"en": "Picked up", "zh-hans": "已揽收", "zh-hant": "已攬收", "ru": "Принято у отправителя"},
    "in_transit": {"en": "In transit", "zh-hans": "运输中", "zh-hant": "運送中", "ru": "В пути"},
    "at_station": {"en": "At the delivery station", "zh-hans": "已到达派送网点", "zh-hant": "已到達派送站", "ru": "Прибыло в пункт доставки"},
    "out_for_delivery": {"en": "Out for delivery", "zh-hans": "派送中", "zh-hant": "派送中", "ru": "Передано курьеру"},
    "delivery_failed": {"en": "Delivery attempt failed", "zh-hans": "派送未成功", "zh-hant": "派送未成功", "ru": "Доставка не удалась"},
    "delivered": {"en": "Delivered", "zh-hans": "已签收", "zh-hant": "已簽收", "ru": "Доставлено"},
    "returned": {"en": "Returned to sender", "zh-hans": "已退回寄件人", "zh-hant": "已退回寄件人", "ru": "Возвращено отправителю"},
    "exception": {"en": "Delayed: we are looking into it", "zh-hans": "异常件，正在处理", "zh-hant": "異常件，正在處理", "ru": "Задержка, мы разбираемся"},
}


def status_label(status: str, language: str) -> str:
    labels = STATUS_LABELS.get(status, {})
    return labels.get(language) or labels.get("en") or status
