from django.urls import path

from . import apis

urlpatterns = [
    path("tickets/", apis.TicketListCreate.as_view(), name="ticket-list"),
    path("tickets/<ticket:number>/", apis.TicketDetail.as_view(), name="ticket-detail"),
    path("tickets/<ticket:number>/assign/", apis.TicketAssign.as_view(), name="ticket-assign"),
    path("tickets/<ticket:number>/comments/", apis.TicketComments.as_view(), name="ticket-comments"),
    path("tickets/<ticket:number>/status/", apis.TicketStatusChange.as_view(), name="ticket-status"),
]
