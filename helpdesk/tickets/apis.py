"""Agents' API for tickets: list, create, read with history, assign, comment, change status."""
from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.conversations.selectors import conversations_visible_to
from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.errors import NotFound
from helpdesk.core.permissions import IsStaffMember

from .models import Category, Priority, Ticket, TicketStatus
from .selectors import tickets_visible_to
from .serializers import (
    TicketAssignSerializer,
    TicketCommentCreateSerializer,
    TicketCommentSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketStatusSerializer,
)
from .services import ticket_assign, ticket_comment_add, ticket_create, ticket_status_change


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    team = django_filters.CharFilter(field_name="team__slug")
    tracking_number = django_filters.CharFilter(field_name="shipments__tracking_number")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "category"]


class TicketListCreate(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self):
        return tickets_visible_to(self.request.user).prefetch_related("shipments").order_by("-created_at")

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = validated(TicketCreateSerializer, request.data)
        conversation = None
        if data["conversation"]:
            conversation = conversations_visible_to(request.user).filter(pk=data["conversation"]).first()
            if conversation is None:
                raise NotFound("conversation_not_found", "No such conversation in your queues.")
            data["tracking_numbers"] = data["tracking_numbers"] or list(conversation.shipments.all())
        ticket = ticket_create(
            subject=data["subject"], description=data["description"], category=data["category"], priority=data["priority"],
            conversation=conversation, shipments=data["tracking_numbers"], team=data["team"], actor=request.user,
        )
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)


class _TicketView(APIView):
    permission_classes = [IsStaffMember]

    def ticket(self) -> Ticket:
        return generics.get_object_or_404(tickets_visible_to(self.request.user), number=self.kwargs["number"])

    def answer(self, ticket: Ticket) -> Response:
        ticket = Ticket.objects.prefetch_related("shipments", "comments__author", "history__actor").select_related(
            "team", "assignee").get(pk=ticket.pk)
        return Response(TicketDetailSerializer(ticket).data)


class TicketDetail(_TicketView):
    @extend_schema(responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def get(self, request, number):
        return self.answer(self.ticket())


class TicketAssign(_TicketView):
    @extend_schema(request=TicketAssignSerializer, responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        data = validated(TicketAssignSerializer, request.data)
        ticket = ticket_assign(ticket=self.ticket(), actor=request.user, **data)
        return self.answer(ticket)


class TicketComments(_TicketView):
    @extend_schema(request=TicketCommentCreateSerializer, responses={201: TicketCommentSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        data = validated(TicketCommentCreateSerializer, request.data)
        comment = ticket_comment_add(ticket=self.ticket(), author=request.user, **data)
        return Response(TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TicketStatusChange(_TicketView):
    @extend_schema(request=TicketStatusSerializer, responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        data = validated(TicketStatusSerializer, request.data)
        return self.answer(ticket_status_change(ticket=self.ticket(), status=data["status"], actor=request.user))
