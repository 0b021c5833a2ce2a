"""One Redis client per kombu channel for publishing Celery tasks, instead of a new one for every message.

kombu's Redis transport (5.5) builds a new `redis.Redis` for every message it puts on a queue
(`Channel.conn_or_acquire` -> `_create_client`). The connection comes from the channel's pool either way, but building
the client object fills its table of ~80 response callbacks each time: about a quarter of what sending one task costs,
~0.4 ms of the web server's CPU per SMS webhook (its `conversation_process.delay`; cProfile, thread CPU).

Here a channel keeps the client it built and reuses it while its pool is the same; when kombu replaces the pool (after a
fork, or after it disconnected its pools) the next call builds a new client on the new pool, as kombu would. A client
holds no connection of its own between commands (it takes one from the pool per command and gives it back), and a
channel is used by one producer or consumer at a time, so reusing it changes nothing else. `install()` is idempotent;
helpdesk.config.celery calls it, so the web server, the workers and beat all publish this way.
"""
from __future__ import annotations

from contextlib import contextmanager

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel.conn_or_acquire

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        cached = self.__dict__.get("_helpdesk_publish_client")
        if cached is None or cached.connection_pool is not self.pool:
            cached = self.__dict__["_helpdesk_publish_client"] = self._create_client()
        yield cached

    conn_or_acquire.__wrapped__ = original
    kombu_redis.Channel.conn_or_acquire = conn_or_acquire
    _installed = True
