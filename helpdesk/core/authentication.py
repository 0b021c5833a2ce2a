"""Authentication of the bot's action server (and other internal services) by a shared token."""
from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

SERVICE_USERNAME = "bot-service"


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <HELPDESK_API_TOKEN>` authenticates as the service account."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        expected = settings.HELPDESK_API_TOKEN
        if not expected or not hmac.compare_digest(header[1], expected.encode()):
            return None  # maybe a personal API token: rest_framework.authtoken decides next
        return service_user(), "service"

    def authenticate_header(self, request):
        return self.keyword


def service_user():
    user, _ = get_user_model().objects.get_or_create(
        username=SERVICE_USERNAME, defaults={"is_active": True, "first_name": "Bot"}
    )
    return user


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.core.authentication.ServiceTokenAuthentication"
    name = "ServiceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <HELPDESK_API_TOKEN>`"}
