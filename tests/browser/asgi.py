"""The helpdesk's own ASGI application (HTTP and Channels web sockets) with static files served from the apps, as
Django's live server does; daphne serves it to the browser tests."""
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from helpdesk.config.asgi import application as helpdesk

application = ASGIStaticFilesHandler(helpdesk)
