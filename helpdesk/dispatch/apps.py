from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "helpdesk.dispatch"
    label = "dispatch"
