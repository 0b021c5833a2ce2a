from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "helpdesk.shipments"
    label = "shipments"
