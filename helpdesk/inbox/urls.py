from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/<int:pk>/", views.conversation, name="inbox-conversation"),
    path("tickets/", views.tickets, name="inbox-tickets"),
    path("tickets/<ticket:number>/", views.ticket, name="inbox-ticket"),
]
