"""Canned replies in the four languages, offered in the composer by the conversation's language."""

CANNED = [
    ("greeting", {
        "en": "Hello, this is {agent} from ParcelDesk customer service. How can I help you?",
        "zh-hans": "您好，我是客服{agent}，很高兴为您服务，请问有什么可以帮您？",
        "zh-hant": "您好，我是客服{agent}，很高興為您服務，請問有什麼可以幫您？",
        "ru": "Здравствуйте! Меня зовут {agent}, служба поддержки ParcelDesk. Чем могу помочь?",
    }),
    ("checking", {
        "en": "Thank you for waiting. I'm checking this with the delivery station now.",
        "zh-hans": "感谢您的耐心等待，我正在与派送网点核实，请稍候。",
        "zh-hant": "多謝您耐心等候，我正在與派送站核實，請稍候。",
        "ru": "Спасибо за ожидание. Я уточняю информацию в пункте доставки.",
    }),
    ("rescheduled", {
        "en": "Done: your delivery is rescheduled. You will get a message before the courier arrives.",
        "zh-hans": "已为您改约派送时间，快递员出发前会再通知您。",
        "zh-hant": "已為您更改派送時間，速遞員出發前會再通知您。",
        "ru": "Готово: доставка перенесена. Перед приездом курьера вы получите сообщение.",
    }),
    ("closing", {
        "en": "Is there anything else I can help with? Have a nice day!",
        "zh-hans": "请问还有其他可以帮您的吗？祝您生活愉快！",
        "zh-hant": "請問還有其他可以幫您的嗎？祝您生活愉快！",
        "ru": "Могу ли я помочь чем-то ещё? Хорошего дня!",
    }),
]

def canned_replies(language: str, agent_name: str) -> list[tuple[str, str]]:
    return [(key, texts.get(language, texts["en"]).format(agent=agent_name)) for key, texts in CANNED]
