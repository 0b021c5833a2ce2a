from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "helpdesk.privacy"
    label = "privacy"
    verbose_name = "Privacy"
