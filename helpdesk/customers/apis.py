"""Agents' API for customers and their channel identities."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from helpdesk.core.permissions import IsStaffMember
from helpdesk.privacy.masking import channel_id_masked, phone_masked

from .models import ChannelIdentity, Customer
from .selectors import customers_visible_to


class ChannelIdentitySerializer(serializers.ModelSerializer):
    # An SMS/WhatsApp/phone identity is the customer's phone number: masked like the recipient's phone (last four).
    external_id = serializers.SerializerMethodField(help_text="WeChat OpenID or web visitor id; a phone number masked.")

    class Meta:
        model = ChannelIdentity
        fields = ["channel", "external_id", "display_name", "opted_out_at"]

    def get_external_id(self, identity) -> str:
        return channel_id_masked(identity.external_id, identity.channel)


class CustomerSerializer(serializers.ModelSerializer):
    # The verified phone is masked for every role, like a shipment's recipient phone; `?q=<full number>` still finds
    # the customer, and POST /shipments/<number>/unmask/ shows a recipient's number for a logged reason.
    phone = serializers.SerializerMethodField(help_text="Verified phone, masked: `•••• 5678`.")
    identities = ChannelIdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "email", "language", "identities", "created_at"]

    def get_phone(self, customer) -> str:
        return phone_masked(customer.phone)


# What every staff login sees: no phone number, real or made up, appears in the docs.
MASKED_CUSTOMER = {
    "id": 42, "name": "", "phone": "•••• 5678", "email": "", "language": "zh-hans",
    "created_at": "2026-01-01T08:00:00Z",
    "identities": [
        {"channel": "sms", "external_id": "•••• 5678", "display_name": "", "opted_out_at": None},
        {"channel": "wechat", "external_id": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "display_name": "", "opted_out_at": None},
    ],
}


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, phone or channel id")

    class Meta:
        model = Customer
        fields = ["language"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(phone=value) | Q(identities__external_id=value)).distinct()


# drf-spectacular puts a list view's example in the paginated envelope itself.
@extend_schema_view(get=extend_schema(examples=[OpenApiExample("Phone masked", response_only=True,
                                                              value=MASKED_CUSTOMER)]))
class CustomerList(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        return customers_visible_to(self.request.user).prefetch_related("identities").order_by("-created_at")


@extend_schema_view(get=extend_schema(examples=[OpenApiExample("Phone masked", response_only=True,
                                                              value=MASKED_CUSTOMER)]))
class CustomerDetail(generics.RetrieveAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return customers_visible_to(self.request.user).prefetch_related("identities")
