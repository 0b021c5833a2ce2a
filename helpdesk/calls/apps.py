from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "helpdesk.calls"
    label = "calls"
    verbose_name = "Phone calls"
