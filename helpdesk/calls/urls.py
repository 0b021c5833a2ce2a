from django.urls import path

from . import apis

urlpatterns = [
    path("phone-calls/", apis.PhoneCallList.as_view(), name="phone-call-list"),
]
