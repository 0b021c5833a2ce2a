"""Web socket routes (web chat and the agents' live inbox)."""
from django.urls import path

from helpdesk.inbox.consumers import AgentConsumer
from integrations.webchat.consumers import WebchatConsumer

websocket_urlpatterns: list = [
    path("ws/webchat/", WebchatConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
]
