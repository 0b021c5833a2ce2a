from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "helpdesk.selfservice"
    label = "selfservice"
    verbose_name = "Self-service"
