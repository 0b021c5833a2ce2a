"""Demo FAQ data for `seed_demo`: a fee table, the service area, answers in four languages, and a few preferences
and returns on the demo shipments."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from helpdesk.network.models import PickupPoint, Station
from helpdesk.shipments.models import Shipment, ShipmentStatus
from helpdesk.shipments.services import Actor

from .models import FaqAnswer, ServiceArea, ShippingRate, ShippingZone

# code, en, zh-hans, zh-hant, ru, currency, transit days, [(max kg, price)]
ZONES = [
    ("CN-METRO", "Mainland China, major cities", "中国大陆主要城市", "中國大陸主要城市", "Крупные города материкового Китая",
     "CNY", "1–2", [(1, 12), (3, 18), (5, 25), (10, 40), (20, 70), (30, 95)]),
    ("CN-REMOTE", "Mainland China, remote areas", "中国大陆偏远地区", "中國大陸偏遠地區", "Отдалённые районы Китая",
     "CNY", "3–5", [(1, 20), (3, 32), (5, 45), (10, 75), (20, 130)]),
    ("HK-TW", "Hong Kong and Taiwan", "港澳台", "港澳台", "Гонконг и Тайвань",
     "CNY", "2–3", [(1, 45), (3, 80), (5, 120), (10, 200), (20, 350)]),
    ("RU", "Russia", "俄罗斯", "俄羅斯", "Россия",
     "CNY", "7–12", [(1, 95), (3, 170), (5, 260), (10, 450), (20, 800), (30, 1100)]),
    ("SG", "Singapore", "新加坡", "新加坡", "Сингапур",
     "CNY", "3–4", [(1, 60), (3, 105), (5, 150), (10, 260), (20, 460)]),
]
# city, aliases, postcode prefix, zone, centre (station code) or None, served
AREAS = [
    ("Shanghai", "上海, Шанхай", "", "CN-METRO", "SH01", True),
    ("Shanghai", "上海, Шанхай", "2021", "CN-REMOTE", None, True),  # Chongming island
    ("Beijing", "北京, Пекин", "", "CN-METRO", "BJ01", True),
    ("Guangzhou", "广州, 廣州, Гуанчжоу", "", "CN-METRO", None, True),
    ("Shenzhen", "深圳, Шэньчжэнь", "", "CN-METRO", None, True),
    ("Urumqi", "乌鲁木齐, 烏魯木齊, Урумчи", "", "CN-REMOTE", None, True),
    ("Lhasa", "拉萨, 拉薩, Лхаса", "", "CN-REMOTE", None, False),
    ("Hong Kong", "香港, Гонконг", "", "HK-TW", "HK01", True),
    ("Taipei", "台北, 臺北, Тайбэй", "", "HK-TW", "TP01", True),
    ("Moscow", "莫斯科, Москва", "", "RU", "MSK1", True),
    ("Saint Petersburg", "圣彼得堡, 聖彼得堡, Санкт-Петербург, St Petersburg", "", "RU", None, True),
    ("Singapore", "新加坡, Сингапур", "", "SG", "SG01", True),
]
FAQ = {
    FaqAnswer.Topic.PROHIBITED_ITEMS: (
        "We cannot carry: lithium batteries shipped on their own, flammable liquids and gases (perfume over 100 ml, "
        "lighters, aerosols), weapons and replicas, cash and bank cards, drugs and medicines without a prescription, "
        "live animals and fresh food. Phones and laptops with their batteries inside are fine.",
        "以下物品不能寄递：单独寄送的锂电池、易燃液体和气体（超过 100 毫升的香水、打火机、喷雾）、武器及仿真枪、现金和银行卡、"
        "毒品及无处方药品、活体动物和生鲜食品。内置电池的手机和笔记本电脑可以寄。",
        "以下物品不能寄遞：單獨寄送的鋰電池、易燃液體和氣體（超過 100 毫升的香水、打火機、噴霧）、武器及仿真槍、現金和銀行卡、"
        "毒品及無處方藥品、活體動物和生鮮食品。內置電池的手機和筆記型電腦可以寄。",
        "Мы не перевозим: литиевые батареи отдельно от устройства, легковоспламеняющиеся жидкости и газы (духи больше "
        "100 мл, зажигалки, аэрозоли), оружие и его имитации, наличные и банковские карты, наркотики и лекарства без "
        "рецепта, живых животных и свежие продукты. Телефоны и ноутбуки со встроенной батареей можно.",
        ["lithium_batteries_loose", "flammable_liquids", "gases_aerosols", "weapons", "cash_cards", "drugs",
         "live_animals", "fresh_food"],
    ),
    FaqAnswer.Topic.DAMAGE_CLAIM: (
        "To claim for a damaged parcel: within 7 days of delivery, keep the packaging, take photos of the box and the "
        "damage, and tell us the tracking number here; we open a claim ticket and reply within one working day. "
        "We refund up to the declared value (without one, up to 3 times the shipping fee).",
        "包裹破损理赔：请在签收后 7 天内保留外包装，拍下箱子和破损处的照片，并在这里告诉我们运单号；我们会创建理赔工单，"
        "一个工作日内回复。按保价金额赔付（未保价的，最高赔付运费的 3 倍）。",
        "包裹破損理賠：請在簽收後 7 天內保留外包裝，拍下箱子和破損處的照片，並在這裡告訴我們運單號；我們會建立理賠工單，"
        "一個工作天內回覆。按保價金額賠付（未保價的，最高賠付運費的 3 倍）。",
        "Как заявить о повреждении: в течение 7 дней после доставки сохраните упаковку, сфотографируйте коробку и "
        "повреждения и напишите нам номер отправления; мы откроем заявку и ответим в течение рабочего дня. Возмещаем "
        "до объявленной ценности (без неё — до трёх стоимостей доставки).",
        ["photos_of_box", "photos_of_damage", "packaging_kept", "within_7_days"],
    ),
    FaqAnswer.Topic.OPENING_HOURS: (
        "Pickup stations are open every day 09:00–21:00; parcel lockers are open 24/7. Ask me for the nearest ones "
        "to your address.",
        "驿站每天 09:00–21:00 营业，快递柜 24 小时开放。告诉我您的地址，我帮您找最近的。",
        "取件站每天 09:00–21:00 營業，智能櫃 24 小時開放。告訴我您的地址，我幫您找最近的。",
        "Пункты выдачи работают ежедневно с 09:00 до 21:00, постаматы — круглосуточно. Назовите адрес, и я найду "
        "ближайшие.",
        [],
    ),
}


def selfservice_demo_seed() -> None:
    with transaction.atomic():
        zones = {}
        for code, en, hans, hant, ru, currency, days, rates in ZONES:
            zone, _ = ShippingZone.objects.update_or_create(code=code, defaults={
                "name": en, "name_zh_hans": hans, "name_zh_hant": hant, "name_ru": ru, "currency": currency,
                "transit_days": days})
            for kg, price in rates:
                ShippingRate.objects.update_or_create(zone=zone, max_weight_kg=Decimal(kg),
                                                      defaults={"price": Decimal(price)})
            zones[code] = zone
        stations = {s.code: s for s in Station.objects.all()}
        for city, aliases, prefix, zone, centre, served in AREAS:
            station = stations.get(centre) if centre else None
            ServiceArea.objects.update_or_create(city=city, postcode_prefix=prefix, defaults={
                "aliases": aliases, "zone": zones[zone], "served": served,
                "latitude": station.latitude if station else None, "longitude": station.longitude if station else None})
        for topic, (en, hans, hant, ru, items) in FAQ.items():
            FaqAnswer.objects.update_or_create(topic=topic, defaults={
                "answer": en, "answer_zh_hans": hans, "answer_zh_hant": hant, "answer_ru": ru, "items": items})
        _demo_preferences_and_returns()


def _demo_preferences_and_returns() -> None:
    from .models import DeliveryPreference, ReturnRequest
    from .services import delivery_preference_set, shipment_return_start

    if DeliveryPreference.objects.exists() or ReturnRequest.objects.exists():
        return
    page = Actor(kind="customer")
    failed = list(Shipment.objects.filter(status=ShipmentStatus.DELIVERY_FAILED).order_by("tracking_number")[:6])
    for n, shipment in enumerate(failed):
        if n % 3 == 0:
            delivery_preference_set(shipment=shipment, actor=page, method="door", time_slots=["evening"],
                                    instructions="Call 10 minutes before", channel="tracking_page")
        else:
            kind = "locker" if n % 3 == 1 else "station"
            point = PickupPoint.objects.filter(station=shipment.station, kind=kind, active=True).first()
            if point is not None:
                delivery_preference_set(shipment=shipment, actor=page, method=kind, pickup_point_id=point.id,
                                        channel="tracking_page")
    delivered = Shipment.objects.filter(status=ShipmentStatus.DELIVERED, delivered_at__isnull=False).order_by(
        "-delivered_at")
    for n, shipment in enumerate(delivered[:3]):
        point = PickupPoint.objects.filter(station=shipment.station, active=True).first()
        if n % 2 == 0 or point is None:
            shipment_return_start(shipment=shipment, actor=page, reason="wrong_item", method="pickup")
        else:
            shipment_return_start(shipment=shipment, actor=page, reason="damaged", method="drop_off",
                                  pickup_point_id=point.id, comment="Box crushed on one side")
