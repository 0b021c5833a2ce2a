from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("export/<slug:table>.csv", views.export_csv, name="reports-export"),
    path("drill/<slug:kind>/", views.drill_down, name="reports-drill"),
]
