"""factory_boy factories for the whole domain: one place, shared by every test."""
from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from helpdesk.accounts.models import AgentProfile, Role, Team
from helpdesk.conversations.models import Conversation, Message, MessageTemplate
from helpdesk.customers.models import ChannelIdentity, Customer
from helpdesk.network.models import Courier, DeliveryWindow, PickupPoint, Station
from helpdesk.shipments.models import DeliveryAttempt, Shipment, ShipmentStatus, TrackingEvent
from helpdesk.tickets.models import BusinessHours


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    languages = factory.LazyFunction(lambda: ["en"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")


class AgentFactory(UserFactory):
    @factory.post_generation
    def profile(user, create, extracted, **kwargs):
        role = kwargs.pop("role", Role.AGENT)
        team = kwargs.pop("team", None) or TeamFactory()
        AgentProfile.objects.create(user=user, role=role, team=team, **kwargs)
        user.save()


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    code = factory.Sequence(lambda n: f"ST{n:03d}")
    name = factory.Sequence(lambda n: f"Station {n}")
    city = "Shanghai"
    address = "1 Century Avenue"
    latitude = 31.2304
    longitude = 121.4737


class CourierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Courier

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Faker("name")
    station = factory.SubFactory(StationFactory)


class PickupPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PickupPoint

    code = factory.Sequence(lambda n: f"PP{n:04d}")
    kind = PickupPoint.Kind.LOCKER
    name = factory.Sequence(lambda n: f"Locker {n}")
    station = factory.SubFactory(StationFactory)
    city = factory.SelfAttribute("station.city")
    address = factory.Sequence(lambda n: f"{n} Nanjing Road")
    capacity = 10
    latitude = 31.2350
    longitude = 121.4800


class DeliveryWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryWindow

    station = factory.SubFactory(StationFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))
    start = dt.time(9, 0)
    end = dt.time(12, 0)
    capacity = 5


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    tracking_number = factory.Sequence(lambda n: f"SF{1000000000 + n}")
    sender_name = "Tmall Store"
    recipient_name = "Li Wei"
    recipient_phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    address = "Flat 1201, 88 Lujiazui Ring Road"
    city = "Shanghai"
    station = factory.SubFactory(StationFactory)
    status = ShipmentStatus.IN_TRANSIT
    eta = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))


class TrackingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackingEvent

    shipment = factory.SubFactory(ShipmentFactory)
    status = ShipmentStatus.IN_TRANSIT
    description = "Departed sorting centre"
    location = "Shanghai"
    occurred_at = factory.LazyFunction(timezone.now)


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    shipment = factory.SubFactory(ShipmentFactory)
    attempted_at = factory.LazyFunction(timezone.now)
    outcome = DeliveryAttempt.Outcome.FAILED
    reason = DeliveryAttempt.Reason.RECIPIENT_ABSENT


class ChannelIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelIdentity

    customer = factory.SubFactory(CustomerFactory)
    channel = "webchat"
    external_id = factory.Sequence(lambda n: f"visitor-{n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    channel = "webchat"
    external_user_id = factory.Sequence(lambda n: f"visitor-{n}")
    language = "en"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    direction = Message.Direction.INBOUND
    sender_kind = Message.SenderKind.CUSTOMER
    text = "Where is my parcel?"
    channel = factory.SelfAttribute("conversation.channel")
    delivery_status = Message.DeliveryStatus.RECEIVED


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    """An approved WeChat template by default: tracking number and status, as WeChat's classic keywords."""

    class Meta:
        model = MessageTemplate
        django_get_or_create = ("channel", "key", "language")

    channel = "wechat"
    key = "delivery_update"
    language = "en"
    label = "Parcel status update"
    provider_template_id = factory.Sequence(lambda n: f"tmpl-{n:04d}-Bz1KVdF3Xq9mWcR7")
    body = "Tracking number: {{keyword1.DATA}}\nStatus: {{keyword2.DATA}}\nReply in this chat for details."
    variables = factory.LazyFunction(lambda: {"keyword1": "tracking_number", "keyword2": "shipment_status"})


def business_hours_every_day(opens=dt.time(8, 0), closes=dt.time(20, 0)) -> None:
    for weekday in range(7):
        BusinessHours.objects.update_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})
