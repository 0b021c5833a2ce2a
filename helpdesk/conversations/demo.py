"""Demo approved templates for `seed_demo`: WhatsApp Content templates and WeChat template messages in the four
languages. Their ids are made up; on a real account admins replace them with the ids from the provider's console."""
from __future__ import annotations

import base64
import hashlib

from .models import MessageTemplate, TemplateChannel

WA = TemplateChannel.WHATSAPP
WX = TemplateChannel.WECHAT

# (channel, key, variables, {language: (label, body)})
DEMO_TEMPLATES = [
    (WA, "delivery_update", {"1": "tracking_number", "2": "shipment_status"}, {
        "en": ("Parcel update", "Update on your parcel {{1}}: {{2}}. Reply to this message for details."),
        "zh-hans": ("包裹动态", "您的包裹 {{1}} 有新动态：{{2}}。回复本消息查看详情。"),
        "zh-hant": ("包裹動態", "您的包裹 {{1}} 有新動態：{{2}}。回覆本訊息查看詳情。"),
        "ru": ("Новости о посылке", "Посылка {{1}}: {{2}}. Ответьте на это сообщение, чтобы узнать подробности."),
    }),
    (WA, "follow_up", {"1": "tracking_number"}, {
        "en": ("Follow-up: reply to continue",
               "Hello, this is ParcelDesk about your parcel {{1}}. We have an update for you: reply to this message "
               "to continue."),
        "zh-hans": ("跟进：请回复继续", "您好，这里是 ParcelDesk，关于您的包裹 {{1}} 有新的进展，请回复本消息继续沟通。"),
        "zh-hant": ("跟進：請回覆繼續", "您好，這裡是 ParcelDesk，關於您的包裹 {{1}} 有新的進展，請回覆本訊息繼續溝通。"),
        "ru": ("Продолжить разговор",
               "Здравствуйте! Это ParcelDesk, по вашей посылке {{1}} есть новости. Ответьте на это сообщение, чтобы "
               "продолжить."),
    }),
    (WA, "reschedule", {"1": "tracking_number"}, {
        "en": ("Offer a new delivery time",
               "Your parcel {{1}} can be delivered on another day. Reply to this message to choose a new time."),
        "zh-hans": ("改约派送时间", "您的包裹 {{1}} 可以改约派送时间，请回复本消息选择新的时间。"),
        "zh-hant": ("更改派送時間", "您的包裹 {{1}} 可以更改派送時間，請回覆本訊息選擇新的時間。"),
        "ru": ("Перенести доставку",
               "Доставку посылки {{1}} можно перенести. Ответьте на это сообщение, чтобы выбрать новое время."),
    }),
    (WX, "delivery_update", {"keyword1": "tracking_number", "keyword2": "shipment_status", "keyword3": "eta"}, {
        "en": ("Parcel status update",
               "Tracking number: {{keyword1.DATA}}\nStatus: {{keyword2.DATA}}\nExpected: {{keyword3.DATA}}\n"
               "Reply in this chat for details."),
        "zh-hans": ("物流状态更新", "快递单号：{{keyword1.DATA}}\n物流状态：{{keyword2.DATA}}\n预计送达：{{keyword3.DATA}}\n"
                    "回复本公众号查看详情。"),
        "zh-hant": ("物流狀態更新", "快遞單號：{{keyword1.DATA}}\n物流狀態：{{keyword2.DATA}}\n預計送達：{{keyword3.DATA}}\n"
                    "回覆本公眾號查看詳情。"),
        "ru": ("Статус посылки",
               "Трек-номер: {{keyword1.DATA}}\nСтатус: {{keyword2.DATA}}\nОжидается: {{keyword3.DATA}}\n"
               "Ответьте в этом чате, чтобы узнать подробности."),
    }),
    (WX, "follow_up", {"keyword1": "tracking_number", "keyword2": "agent_name"}, {
        "en": ("Follow-up: reply to continue",
               "We have an update about your parcel.\nTracking number: {{keyword1.DATA}}\nAgent: {{keyword2.DATA}}\n"
               "Reply in this chat to continue."),
        "zh-hans": ("跟进：请回复继续", "关于您的包裹有新的进展。\n快递单号：{{keyword1.DATA}}\n客服：{{keyword2.DATA}}\n"
                    "请回复本公众号继续沟通。"),
        "zh-hant": ("跟進：請回覆繼續", "關於您的包裹有新的進展。\n快遞單號：{{keyword1.DATA}}\n客服：{{keyword2.DATA}}\n"
                    "請回覆本公眾號繼續溝通。"),
        "ru": ("Продолжить разговор",
               "По вашей посылке есть новости.\nТрек-номер: {{keyword1.DATA}}\nОператор: {{keyword2.DATA}}\n"
               "Ответьте в этом чате, чтобы продолжить."),
    }),
    (WX, "reschedule", {"keyword1": "tracking_number", "keyword2": "delivery_window"}, {
        "en": ("Offer a new delivery time",
               "Your parcel can be delivered at another time.\nTracking number: {{keyword1.DATA}}\n"
               "Booked: {{keyword2.DATA}}\nReply in this chat to choose a new time."),
        "zh-hans": ("改约派送时间", "您的包裹可以改约派送时间。\n快递单号：{{keyword1.DATA}}\n当前预约：{{keyword2.DATA}}\n"
                    "回复本公众号选择新的时间。"),
        "zh-hant": ("更改派送時間", "您的包裹可以更改派送時間。\n快遞單號：{{keyword1.DATA}}\n目前預約：{{keyword2.DATA}}\n"
                    "回覆本公眾號選擇新的時間。"),
        "ru": ("Перенести доставку",
               "Доставку посылки можно перенести.\nТрек-номер: {{keyword1.DATA}}\nСейчас: {{keyword2.DATA}}\n"
               "Ответьте в этом чате, чтобы выбрать новое время."),
    }),
]


def demo_template_id(channel: str, key: str, language: str) -> str:
    digest = hashlib.sha256(f"{channel}:{key}:{language}".encode()).digest()
    if channel == WA:
        return "HX" + digest.hex()[:32]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:43]  # WeChat ids look like this


def message_templates_demo_seed() -> int:
    """Create or refresh the demo templates; returns how many there are."""
    count = 0
    for channel, key, variables, languages in DEMO_TEMPLATES:
        for language, (label, body) in languages.items():
            MessageTemplate.objects.update_or_create(
                channel=channel, key=key, language=language,
                defaults={"label": label, "body": body, "variables": variables, "active": True,
                          "provider_template_id": demo_template_id(channel, key, language)},
            )
            count += 1
    return count
