"""The helpdesk's ASGI HTTP handler: Django's, with each request's synchronous work on one of a few reused threads."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse


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

    async def run_get_response(self, request):
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):  # ASGI servers chunk by themselves
            response.block_size = self.chunk_size
        return response
