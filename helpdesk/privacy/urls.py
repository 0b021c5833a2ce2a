from django.urls import path

from . import apis

urlpatterns = [
    path("shipments/<tracking:tracking_number>/unmask/", apis.ShipmentUnmask.as_view(), name="shipment-unmask"),
    path("privacy/unmask-events/", apis.UnmaskEventList.as_view(), name="unmask-event-list"),
]
