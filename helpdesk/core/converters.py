"""URL converters that refuse malformed identifiers before they reach the database (404, not 500)."""
from django.urls import register_converter


class TrackingNumberConverter:
    regex = r"[A-Za-z0-9]{4,40}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class TicketNumberConverter:
    regex = r"[A-Za-z]{1,4}-?[0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(TrackingNumberConverter, "tracking")
register_converter(TicketNumberConverter, "ticket")
