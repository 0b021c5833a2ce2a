"""Top-level URLs: admin, REST API v1, OpenAPI schema and docs, health."""
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import helpdesk.core.converters  # noqa: F401  (registers <tracking:> and <ticket:>)
from helpdesk.core.health import healthz
from helpdesk.shipments.views import track

api_v1 = [
    path("", include("helpdesk.shipments.urls")),
    path("", include("helpdesk.conversations.urls")),
    path("", include("helpdesk.tickets.urls")),
    path("", include("helpdesk.customers.urls")),
    path("", include("helpdesk.surveys.urls")),
    path("", include("helpdesk.dispatch.urls")),
    path("", include("helpdesk.privacy.urls")),
    path("", include("helpdesk.calls.urls")),
    path("bot/", include("helpdesk.conversations.bot_urls")),
    path("bot/", include("helpdesk.selfservice.bot_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("track/", track, name="track"),
    path("track/", include("helpdesk.selfservice.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the top bar's language switcher
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # gettext() for the inbox scripts
    path("inbox/calls/", include("helpdesk.calls.page_urls")),
    path("inbox/", include("helpdesk.inbox.urls")),
    path("reports/privacy/", include("helpdesk.privacy.page_urls")),
    path("reports/", include("helpdesk.reports.urls")),
    path("webhooks/", include("integrations.webhook_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("helpdesk.core.urls")),
]
