"""The masked form of a recipient's phone and address, as every staff screen, API answer and export shows them."""
from __future__ import annotations

from helpdesk.customers.phones import phone_mask

MASK = "••••"
# Keys that hold the recipient's phone or address wherever shipment data is copied (audit before/after, exports).
PERSONAL_KEYS = frozenset({"recipient_phone", "phone", "address", "postcode", "latitude", "longitude"})


def phone_masked(phone: str) -> str:
    """`+8613812345678` -> `•••• 5678`: the last four digits let an agent match what the caller reads out."""
    return phone_mask(phone) if phone else ""


def address_masked(address: str) -> str:
    """The street and door are hidden entirely (no length hint); the city stays visible where it is shown."""
    return MASK if address else ""


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
