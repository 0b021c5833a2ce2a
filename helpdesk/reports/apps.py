from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "helpdesk.reports"
    label = "reports"
