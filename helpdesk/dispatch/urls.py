from django.urls import path

from . import apis

urlpatterns = [
    path("dispatch/feed/", apis.DispatchFeed.as_view(), name="dispatch-feed"),
    path("dispatch/events/", apis.DispatchEvents.as_view(), name="dispatch-events"),
    path("dispatch/stations/<str:code>/manifest/", apis.StationManifest.as_view(), name="dispatch-manifest"),
]
