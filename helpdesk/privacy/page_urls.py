from django.urls import path

from . import views

urlpatterns = [
    path("unmask-audit.csv", views.unmask_audit_csv, name="privacy-unmask-audit-csv"),
]
