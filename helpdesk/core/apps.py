from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "helpdesk.core"
    label = "core"
