"""URLs of the bot's API under /api/v1/bot/."""
from django.urls import path

from . import bot_apis

prefix = "conversations/<int:conversation_id>/"
shipment = prefix + "shipments/<tracking:tracking_number>/"

urlpatterns = [
    path(prefix + "shipments/", bot_apis.ConversationShipmentsView.as_view(), name="bot-shipments"),
    path(shipment, bot_apis.ShipmentLookupView.as_view(), name="bot-shipment"),
    path(shipment + "verification/", bot_apis.VerificationStartView.as_view(), name="bot-verification"),
    path(shipment + "verification/confirm/", bot_apis.VerificationConfirmView.as_view(), name="bot-verification-confirm"),
    path(shipment + "delivery-windows/", bot_apis.DeliveryWindowsView.as_view(), name="bot-delivery-windows"),
    path(shipment + "reschedule/", bot_apis.RescheduleView.as_view(), name="bot-reschedule"),
    path(shipment + "address/", bot_apis.AddressChangeView.as_view(), name="bot-address"),
    path(shipment + "pickup-points/", bot_apis.PickupPointsView.as_view(), name="bot-pickup-points"),
    path(shipment + "redirect/", bot_apis.RedirectView.as_view(), name="bot-redirect"),
    path(shipment + "dispute/", bot_apis.DisputeView.as_view(), name="bot-dispute"),
    path(prefix + "complaints/", bot_apis.ComplaintView.as_view(), name="bot-complaints"),
    path(prefix + "handoff/", bot_apis.HandoffView.as_view(), name="bot-handoff"),
    path(prefix + "language/", bot_apis.LanguageView.as_view(), name="bot-language"),
    path(prefix + "nps/", bot_apis.NpsView.as_view(), name="bot-nps"),
]
