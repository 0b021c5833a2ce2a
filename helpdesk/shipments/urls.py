from django.urls import path

from . import apis

one = "shipments/<tracking:tracking_number>/"

urlpatterns = [
    path("shipments/", apis.ShipmentList.as_view(), name="shipment-list"),
    path(one, apis.ShipmentDetail.as_view(), name="shipment-detail"),
    path(one + "delivery-windows/", apis.ShipmentDeliveryWindows.as_view(), name="shipment-delivery-windows"),
    path(one + "pickup-points/", apis.ShipmentPickupPoints.as_view(), name="shipment-pickup-points"),
    path(one + "reschedule/", apis.ShipmentReschedule.as_view(), name="shipment-reschedule"),
    path(one + "address/", apis.ShipmentAddressChange.as_view(), name="shipment-address"),
    path(one + "redirect/", apis.ShipmentRedirect.as_view(), name="shipment-redirect"),
]
