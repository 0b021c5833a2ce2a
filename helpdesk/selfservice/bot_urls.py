"""URLs of the bot's self-service API under /api/v1/bot/."""
from django.urls import path

from . import bot_apis

shipment = "conversations/<int:conversation_id>/shipments/<tracking:tracking_number>/"

urlpatterns = [
    path("faq/shipping-fee/", bot_apis.ShippingFeeView.as_view(), name="bot-faq-shipping-fee"),
    path("faq/service-area/", bot_apis.ServiceAreaView.as_view(), name="bot-faq-service-area"),
    path("faq/pickup-points/", bot_apis.PickupPointsNearView.as_view(), name="bot-faq-pickup-points"),
    path("faq/prohibited-items/", bot_apis.ProhibitedItemsView.as_view(), name="bot-faq-prohibited-items"),
    path("faq/damage-claim/", bot_apis.DamageClaimView.as_view(), name="bot-faq-damage-claim"),
    path("faq/opening-hours/", bot_apis.OpeningHoursView.as_view(), name="bot-faq-opening-hours"),
    path(shipment + "preference/", bot_apis.PreferenceView.as_view(), name="bot-delivery-preference"),
    path(shipment + "return/", bot_apis.ReturnView.as_view(), name="bot-return"),
]
