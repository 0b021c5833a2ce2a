"""The helpdesk's ASGI HTTP handler: Django's, with each request's synchronous work on one of a few reused threads."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import MiddlewareNotUsed, RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import FileResponse
from django.urls import set_script_prefix
from django.utils.module_loading import import_string

# Provider webhooks (integrations/webhook_urls.py) are machine-to-machine POSTs, verified by their own signatures: they
# never read a session, a user, a CSRF token (every view is csrf_exempt), a flash message or the agent's language, and
# none of what they answer is translated. Of settings.MIDDLEWARE they run only these (in the settings' order): the
# response headers SecurityMiddleware and XFrameOptionsMiddleware add, and CommonMiddleware (DISALLOWED_USER_AGENTS,
# APPEND_SLASH). Skipping WhiteNoise (static files), sessions, locale, CSRF, auth and messages saves about 0.3 ms of
# the web server's CPU per SMS webhook (cProfile, thread CPU: most of it LocaleMiddleware and the message storages).
WEBHOOK_PATH_PREFIX = "/webhooks/"
WEBHOOK_MIDDLEWARE = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
})


class _WebhookHandler(BaseHandler):
    """Django's request handling with only WEBHOOK_MIDDLEWARE of settings.MIDDLEWARE, synchronously (as
    BaseHandler.load_middleware builds it for middleware that are all synchronous-capable)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed([p for p in settings.MIDDLEWARE if p in WEBHOOK_MIDDLEWARE]):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class HelpdeskASGIHandler(ASGIHandler):
    """Django's ASGI handler, cheaper per request for a project whose views are all synchronous.

    Django's own handler starts a new thread for every request (so its database connection, opened in that thread,
    can never be reused, and the thread's Django and Celery state is built again each time), and runs the
    middleware chain in async mode: because WhiteNoise is synchronous only, every other middleware's
    process_request and process_response then hops between the event loop and the request's thread, 17 hops per
    request. Here a request runs its signals, middleware and view on one of `threads` reused threads (at most that
    many requests run their sync code at once; the others wait on the event loop), in one hop for the chain. Each
    thread keeps its database connection for CONN_MAX_AGE, so a web process holds at most `threads` connections
    (README, bench-hub: the SMS webhook's CPU in the web process and in PostgreSQL before and after).
    """

    def __init__(self, *, threads: int):
        super().__init__()
        if threads < 1:
            raise ValueError("WEB_THREADS must be at least 1")
        self.threads = threads
        self._idle: asyncio.Queue[ThreadPoolExecutor] = asyncio.Queue()
        for n in range(threads):
            self._idle.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}"))

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._webhooks = _WebhookHandler()
        self._webhooks.load_middleware()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self._idle.get()
        try:
            # Every thread-sensitive call of this request (the request_started/finished signals, the chain, closing
            # the response) runs on this one thread, as in Django's handler, which gives each request a new one.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._idle.put_nowait(executor)

    async def handle(self, scope, receive, send):
        """Django's `handle`, with the request's synchronous work in one hop to its thread instead of three.

        Django's sends the request_started signal, runs the chain and closes the response (request_finished) in three
        hops and watches for the client's disconnect in a task of its own: about a millisecond of the web server's
        CPU per request, a fifth of an SMS webhook's. A disconnect cannot stop a synchronous view anyway (its thread
        runs on), and an answer to a client that left is dropped by the server. A streaming response is sent as
        Django sends it and closed on its thread after.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            set_script_prefix(get_script_prefix(scope))
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        """On the request's thread: request_started, the request, the chain and the view, and (unless it streams)
        the response closed, which sends request_finished; its content stays for `send_response`."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            webhook = request.path_info.startswith(WEBHOOK_PATH_PREFIX)
            response = (self._webhooks if webhook else self).get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):  # ASGI servers chunk by themselves
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response
