from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.phone_call_new, name="phone-call-new"),
]
