"""Provider webhooks under /webhooks/ (paths are a contract with the providers' consoles)."""
from django.urls import path

from integrations.twilio import views as twilio_views
from integrations.wechat import views as wechat_views

urlpatterns = [
    path("twilio/", twilio_views.twilio_inbound, name="webhook-twilio"),
    path("twilio/status/", twilio_views.twilio_status, name="webhook-twilio-status"),
    path("wechat/", wechat_views.wechat_webhook, name="webhook-wechat"),
]
