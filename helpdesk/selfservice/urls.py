"""Public self-service pages (next to /track/)."""
from django.urls import path

from . import views

urlpatterns = [
    path("<tracking:tracking_number>/preferences/", views.delivery_preferences, name="track-preferences"),
]
