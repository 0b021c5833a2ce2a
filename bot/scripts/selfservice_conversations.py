"""The self-service conversations record_stories.py plays in each language (FAQ answers, delivery preference,
returns, and the interruptions inside their forms). Same shape as its CONVERSATIONS: (name, setup, turns,
expected actions); a turn is (text, intent) or (text, None) for a form answer whose intent does not matter.
setup "delivered": the one parcel on file (JD0088776655) was delivered, so it can be returned.

Record only these with: python scripts/record_stories.py MODEL --only self-service
"""
CODE = "482913"
FEE_AT_ONCE = ["action_faq_prefill", "shipping_fee_form", "action_shipping_fee"]
FEE_STEPS = ["action_faq_prefill", "shipping_fee_form", "shipping_fee_form", "shipping_fee_form",
             "action_shipping_fee"]
AREA = ["action_faq_prefill", "service_area_form", "action_service_area"]
POINTS = ["action_faq_prefill", "pickup_points_form", "action_pickup_points"]
TOPIC = ["action_faq_topic"]
CLAIM = ["action_faq_topic", "action_start_damage_claim", "complaint_form", "complaint_form", "action_file_complaint"]
PREFERENCE_LOCKER = ["action_prefill_preference", "preference_form", "preference_form", "preference_form",
                     "action_set_preference"]
PREFERENCE_EVENING = ["action_prefill_preference", "preference_form", "preference_form", "action_set_preference"]
RETURN_PICKUP = ["action_prefill_return", "return_form", "return_form", "return_form", "action_start_return"]
RETURN_DROP_OFF = ["action_prefill_return"] + ["return_form"] * 5 + ["action_start_return"]
RETURN_CANCELLED = ["action_prefill_return", "return_form", "action_deactivate_loop", "action_cancel_form"]
FEE_HANDOFF = ["action_faq_prefill", "shipping_fee_form", "action_deactivate_loop", "action_handoff"]


def flows(fee_at_once, fee_question, weight, place, area, hours, lockers, prohibited, claim, yes, damage,
          locker_pref, evening_pref, return_reason, return_plain, no, human):
    """One language's conversations, from its phrasings."""
    return [
        ("self-service: shipping fee, weight and place in one message", None, [(fee_at_once, "ask_shipping_fee")],
         FEE_AT_ONCE),
        ("self-service: shipping fee, weight and place asked for", None, [
            (fee_question, "ask_shipping_fee"), (weight, None), (place, None)], FEE_STEPS),
        ("self-service: do you deliver there", None, [(area, "ask_service_area")], AREA),
        ("self-service: station opening hours", None, [(hours, "ask_pickup_points")], POINTS),
        ("self-service: nearest lockers in a city", None, [(lockers, "ask_pickup_points")], POINTS),
        ("self-service: prohibited items", None, [(prohibited, "ask_prohibited_items")], TOPIC),
        ("self-service: damage claim answer, then a claim", None, [
            (claim, "ask_damage_claim"), (yes, "affirm"), (damage, None)], CLAIM),
        ("self-service: lockers from now on, with a one-time code", None, [
            (locker_pref, "set_delivery_preference"), (CODE, None), ("1", None)], PREFERENCE_LOCKER),
        ("self-service: evening deliveries from now on", None, [
            (evening_pref, "set_delivery_preference"), (CODE, None)], PREFERENCE_EVENING),
        ("self-service: return, courier pickup", "delivered", [
            (return_reason, "start_return"), (CODE, None), ("1", None)], RETURN_PICKUP),
        ("self-service: return step by step, drop-off at a station", "delivered", [
            (return_plain, "start_return"), (CODE, None), ("4", None), ("2", None), ("1", None)], RETURN_DROP_OFF),
        ("self-service: no inside the return form", "delivered", [
            (return_plain, "start_return"), (no, "deny")], RETURN_CANCELLED),
        ("self-service: a person inside the shipping-fee form", None, [
            (fee_question, "ask_shipping_fee"), (human, "request_human")], FEE_HANDOFF),
    ]


SELF_SERVICE = {
    "en": flows(
        fee_at_once="how much would it cost me to send 2 kg to Beijing?",
        fee_question="what do you charge for sending a parcel?",
        weight="3kg", place="Moscow",
        area="can you guys deliver to Urumqi?",
        hours="what time do your pickup stations close?",
        lockers="where are the nearest parcel lockers in Shanghai?",
        prohibited="am I allowed to send perfume?",
        claim="how do I claim compensation for a damaged parcel?", yes="yes please",
        damage="The box was crushed and the vase inside is broken",
        locker_pref="please put all my parcels in a locker from now on",
        evening_pref="evening deliveries only from now on please, I work during the day",
        return_reason="I want to return my parcel, they sent me the wrong item",
        return_plain="I'd like to send my order back", no="no, forget it",
        human="can I talk to a real person please"),
    "zh-hans": flows(
        fee_at_once="寄2公斤到北京要多少钱啊",
        fee_question="寄个快递怎么收费",
        weight="3公斤", place="莫斯科",
        area="你们能送到乌鲁木齐吗",
        hours="驿站晚上几点关门",
        lockers="上海最近的快递柜在哪里",
        prohibited="香水可以寄吗",
        claim="包裹破损了怎么申请理赔", yes="好的",
        damage="箱子压坏了，里面的花瓶也碎了",
        locker_pref="以后我的快递都放快递柜吧",
        evening_pref="以后都晚上送吧，白天要上班",
        return_reason="我要退货，发错货了",
        return_plain="我想把这个包裹退回去", no="算了，不退了",
        human="还是帮我转人工吧"),
    "zh-hant": flows(
        fee_at_once="寄2公斤去北京要幾多錢",
        fee_question="寄速遞點樣收費",
        weight="3公斤", place="莫斯科",
        area="你哋送唔送烏魯木齊㗎",
        hours="取件站夜晚幾點關門",
        lockers="上海最近的智能櫃在哪裡",
        prohibited="香水寄唔寄得",
        claim="包裹爛咗點樣申請理賠", yes="好",
        damage="箱被壓爛了，入面個花樽都碎咗",
        locker_pref="以後我嘅包裹全部放智能櫃啦",
        evening_pref="以後都夜晚送啦，日頭要返工",
        return_reason="我要退貨，寄錯貨了",
        return_plain="我想把這個包裹退回去", no="算了，不退了",
        human="我想找真人客服"),
    "ru": flows(
        fee_at_once="сколько будет стоить отправить 2 кг в Пекин?",
        fee_question="сколько у вас стоит отправить посылку?",
        weight="3 кг", place="в Москву",
        area="а в Урумчи вы доставляете?",
        hours="до скольки работают ваши пункты выдачи?",
        lockers="где ближайшие постаматы в Шанхае?",
        prohibited="можно ли отправить духи?",
        claim="как получить компенсацию за повреждённую посылку?", yes="да, давайте",
        damage="Коробка смята, ваза внутри разбита",
        locker_pref="впредь оставляйте все мои посылки в постамате",
        evening_pref="доставляйте теперь только вечером, днём я на работе",
        return_reason="хочу вернуть посылку, прислали не тот товар",
        return_plain="хочу отправить заказ обратно", no="нет, не надо",
        human="соедините с живым человеком"),
}
