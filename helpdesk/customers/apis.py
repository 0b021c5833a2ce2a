"""Agents' API for customers and their channel identities."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from rest_framework import generics, serializers

from helpdesk.core.permissions import IsStaffMember

from .models import ChannelIdentity, Customer
from .selectors import customers_visible_to


class ChannelIdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChannelIdentity
        fields = ["channel", "external_id", "display_name", "opted_out_at"]


class CustomerSerializer(serializers.ModelSerializer):
    identities = ChannelIdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "email", "language", "identities", "created_at"]


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, phone or channel id")

    class Meta:
        model = Customer
        fields = ["language"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(phone=value) | Q(identities__external_id=value)).distinct()


class CustomerList(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        return customers_visible_to(self.request.user).prefetch_related("identities").order_by("-created_at")


class CustomerDetail(generics.RetrieveAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return customers_visible_to(self.request.user).prefetch_related("identities")
