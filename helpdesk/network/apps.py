from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "helpdesk.network"
    label = "network"
