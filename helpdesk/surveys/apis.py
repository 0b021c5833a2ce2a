"""Supervisors' API for NPS answers."""
from __future__ import annotations

import django_filters
from rest_framework import generics, serializers

from helpdesk.core.permissions import IsStaffMember, IsSupervisor

from .models import NpsResponse


class NpsResponseSerializer(serializers.ModelSerializer):
    tracking_number = serializers.CharField(source="shipment.tracking_number", default=None)
    group = serializers.CharField(read_only=True)

    class Meta:
        model = NpsResponse
        fields = ["id", "score", "group", "comment", "tracking_number", "channel", "language", "created_at"]


class NpsFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = NpsResponse
        fields = ["channel", "language"]


class NpsResponseList(generics.ListAPIView):
    permission_classes = [IsStaffMember, IsSupervisor]
    serializer_class = NpsResponseSerializer
    filterset_class = NpsFilter
    queryset = NpsResponse.objects.select_related("shipment").order_by("-created_at")
