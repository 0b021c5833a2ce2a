from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "helpdesk.inbox"
    label = "inbox"
