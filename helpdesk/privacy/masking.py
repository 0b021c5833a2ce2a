"""The masked form of a recipient's phone and address, as every staff screen, API answer and export shows them."""
from __future__ import annotations

from helpdesk.customers.phones import phone_mask

MASK = "••••"
# Keys that hold the recipient's phone or address wherever shipment data is copied (audit before/after, exports).
PERSONAL_KEYS = frozenset({"recipient_phone", "phone", "address", "postcode", "latitude", "longitude"})
# Channels whose address (a conversation's external_user_id, an identity's external_id) is the customer's phone number.
PHONE_NUMBER_CHANNELS = frozenset({"sms", "whatsapp", "phone"})


def phone_masked(phone: str) -> str:
    """`+8613812345678` -> `•••• 5678`: the last four digits let an agent match what the caller reads out."""
    return phone_mask(phone) if phone else ""


def address_masked(address: str) -> str:
    """The street and door are hidden entirely (no length hint); the city stays visible where it is shown."""
    return MASK if address else ""


def channel_id_masked(external_id: str, channel: str) -> str:
    """A customer's SMS/WhatsApp/phone number is often the recipient's phone on file: masked like it. A WeChat OpenID
    or web visitor id says nothing about the person and stays as it is."""
    return phone_masked(external_id) if channel in PHONE_NUMBER_CHANNELS else external_id


def gps_masked(latitude, longitude) -> str:
    """A delivery attempt's GPS fix is where the recipient lives: shown only as "recorded"."""
    return MASK if latitude is not None or longitude is not None else ""


def customer_masked(customer) -> str:
    """A customer is shown by name; one we only know by phone number is shown by its masked form."""
    if customer is None:
        return ""
    return customer.name or phone_masked(customer.phone) or str(customer)


def mapping_masked(data: dict) -> dict:
    """A copy of a before/after or export row with its personal keys masked (a pickup point's address is not personal,
    but masking it too keeps the rule simple: nothing under these keys leaves unmasked)."""
    if not isinstance(data, dict):
        return data
    masked = {}
    for key, value in data.items():
        if key in ("recipient_phone", "phone") and isinstance(value, str):
            masked[key] = phone_masked(value)
        elif key in PERSONAL_KEYS and value not in (None, ""):
            masked[key] = MASK
        else:
            masked[key] = value
    return masked


def deep_masked(data):
    """`mapping_masked` through nested rows and lists: for exports and feeds read by a staff login, whose rows nest the
    recipient's destination, preference and return pickup."""
    if isinstance(data, list):
        return [deep_masked(item) for item in data]
    if isinstance(data, dict):
        return {key: deep_masked(value) if isinstance(value, (dict, list)) else value
                for key, value in mapping_masked(data).items()}
    return data
