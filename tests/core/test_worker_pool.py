"""helpdesk.core.worker_pool: in the threads pool a task that ends wakes the worker's event loop, so the worker asks
the broker for the next task then and not at its next timer (up to 10 s later with the Redis transport)."""
import select
import threading
from types import SimpleNamespace

from celery.concurrency.solo import TaskPool as SoloPool
from celery.concurrency.thread import TaskPool as ThreadPool
from kombu.asynchronous import Hub

from helpdesk.config.celery import app
from helpdesk.core.worker_pool import ThreadPoolWakeup


def _readable(fd: int, wait: float = 0) -> bool:
    return bool(select.select([fd], [], [], wait)[0])


def test_the_worker_blueprint_has_the_step():
    assert ThreadPoolWakeup in app.steps["worker"]


def test_a_task_ending_in_a_pool_thread_makes_the_event_loop_readable():
    hub, pool = Hub(), ThreadPool(limit=2)
    pool.start()
    worker = SimpleNamespace(pool=pool, hub=hub)
    step = ThreadPoolWakeup(worker)
    step.register_with_event_loop(worker, hub)
    try:
        read_fd = step.fds[0]
        assert read_fd in hub.readers
        gate, returned = threading.Event(), []
        pool.apply_async(gate.wait, args=(30,), callback=returned.append)
        assert not _readable(read_fd), "nothing has ended yet: the loop may sleep"
        gate.set()
        assert _readable(read_fd, wait=30), "the ended task did not wake the loop"
        assert returned == [True]  # the task's own callback (the acknowledgement, with acks_late) ran first
        callback, args = hub.readers[read_fd]
        callback(*args)  # what the loop does when it wakes: drain the pipe
        assert not _readable(read_fd)
    finally:
        step.stop(worker)
        pool.stop()
    assert step.fds is None


def test_other_pools_are_left_alone():
    hub, pool = Hub(), SoloPool()
    worker = SimpleNamespace(pool=pool, hub=hub)
    step = ThreadPoolWakeup(worker)
    on_apply = pool.on_apply
    step.register_with_event_loop(worker, hub)
    assert step.fds is None and not hub.readers and pool.on_apply == on_apply
