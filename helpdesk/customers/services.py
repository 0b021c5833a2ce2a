"""Finding or creating the customer behind a channel identity."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import ChannelIdentity, Customer
from .phones import phone_normalize

PHONE_CHANNELS = ("sms", "whatsapp")


def channel_identity_get_or_create(*, channel: str, external_id: str, display_name: str = "",
                                   savepoint: bool = True) -> ChannelIdentity:
    """The identity a customer writes from; SMS/WhatsApp numbers link to the customer with that phone.

    `savepoint=False` inside a transaction that starts over when it fails (the inbound message path): a concurrent
    first message from the same sender then raises IntegrityError to the caller instead of costing every new
    sender a SAVEPOINT and a RELEASE.
    """
    if channel in PHONE_CHANNELS:
        external_id = phone_normalize(external_id)
    identity = ChannelIdentity.objects.select_related("customer").filter(channel=channel, external_id=external_id).first()
    if identity:
        return identity
    if not savepoint:
        return _channel_identity_create(channel=channel, external_id=external_id, display_name=display_name)
    try:
        with transaction.atomic():
            return _channel_identity_create(channel=channel, external_id=external_id, display_name=display_name)
    except IntegrityError:  # another request created it first
        return ChannelIdentity.objects.select_related("customer").get(channel=channel, external_id=external_id)


def _channel_identity_create(*, channel: str, external_id: str, display_name: str) -> ChannelIdentity:
    customer = None
    if channel in PHONE_CHANNELS:
        customer = Customer.objects.filter(phone=external_id).order_by("id").first()
    if customer is None:
        customer = Customer.objects.create(name=display_name, phone=external_id if channel in PHONE_CHANNELS else "")
    return ChannelIdentity.objects.create(customer=customer, channel=channel, external_id=external_id,
                                          display_name=display_name)


def customer_link_verified_phone(*, identity: ChannelIdentity, phone: str) -> Customer:
    """A WeChat or web chat identity proved it holds `phone` (a one-time code sent there was confirmed).

    It joins the customer with that phone -- the one their SMS and WhatsApp identities already belong to -- and its
    conversations move along, so agents see one customer with one history on every channel. SMS and WhatsApp
    identities are that phone's or another's by their own number, so they never move.
    """
    from helpdesk.conversations.models import Conversation

    phone = phone_normalize(phone)
    if identity.channel in PHONE_CHANNELS:
        return identity.customer
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=identity.customer_id)
        owner = Customer.objects.filter(phone=phone).exclude(pk=current.pk).order_by("id").first()
        if owner is None:
            if not current.phone:
                current.phone = phone
                current.save(update_fields=["phone", "updated_at"])
            return current
        ChannelIdentity.objects.filter(pk=identity.pk).update(customer=owner)
        Conversation.objects.filter(identity=identity).update(customer=owner)
        identity.customer = owner
    return owner
