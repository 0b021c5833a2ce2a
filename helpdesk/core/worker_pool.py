"""The Celery worker's threads pool (`--pool threads`) without its multi-second stalls: a finished task wakes the
worker's event loop.

With the Redis broker, the worker's main thread runs kombu's event loop: it asks Redis for the next message (BRPOP)
only while fewer messages than the prefetch limit (concurrency × CELERY_WORKER_PREFETCH_MULTIPLIER, here 1) are
unacknowledged. With acks_late a task is acknowledged when it ends, and in the threads pool it ends in a pool thread,
which tells the loop nothing: the loop sleeps in epoll until its next timer (kombu's unacked-restore cycle, every
10 s) or some other socket event, and only then asks for the next message. Once every slot was taken, a freed thread
waited that long for its next task (celery/celery#6941). In bench-hub the threads pool at 8 did ~1.3 hub turns/s for
this reason, where prefork ×4 did ~20. The prefork pool does not have the problem: its results arrive on pipes the loop
watches.

This step gives the threads pool such a pipe: each task's future writes a byte to it when the task is done (after its
acknowledgement), the loop wakes on it and asks for the next message at once. Other pools are left alone.
`helpdesk.config.celery` adds the step to the worker's blueprint.
"""
from __future__ import annotations

import os

from celery import bootsteps
from celery.concurrency.thread import TaskPool as ThreadTaskPool


class ThreadPoolWakeup(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Pool",)

    def __init__(self, w, **kwargs):
        super().__init__(w, **kwargs)
        self.fds: tuple[int, int] | None = None

    def register_with_event_loop(self, w, hub):
        pool = w.pool
        if not isinstance(pool, ThreadTaskPool) or self.fds is not None:
            return
        read_fd, write_fd = self.fds = os.pipe()
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)

        def drain() -> None:
            try:
                while os.read(read_fd, 4096):
                    pass
            except BlockingIOError:
                pass

        def wake(_future=None) -> None:
            try:
                os.write(write_fd, b"\0")
            except (BlockingIOError, OSError):  # a full pipe wakes the loop anyway; a closed one: shutting down
                pass

        on_apply = pool.on_apply

        def on_apply_and_wake(*args, **kwargs):
            result = on_apply(*args, **kwargs)
            result.f.add_done_callback(wake)
            return result

        pool.on_apply = on_apply_and_wake
        hub.add_reader(read_fd, drain)

    def stop(self, w):
        if self.fds is not None:
            hub = getattr(w, "hub", None)
            if hub is not None:
                hub.remove(self.fds[0])
            for fd in self.fds:
                os.close(fd)
            self.fds = None

    terminate = stop
