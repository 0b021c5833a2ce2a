"""Every Celery queue the helpdesk routes tasks to is consumed by a worker in both production layouts
(Procfile for `make run`, docker-compose.yml), and the routes send each kind of work where the design says."""
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from helpdesk.config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _queues_of(argv: list[str]) -> set[str] | None:
    """The queues a `celery ... worker` command line consumes; None if it is not a worker."""
    if "worker" not in argv:
        return None
    if "-Q" in argv:
        return set(argv[argv.index("-Q") + 1].split(","))
    return {queue.name for queue in settings.CELERY_TASK_QUEUES}  # no -Q: every declared queue


def _procfile_workers() -> dict[str, set[str]]:
    workers = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if ":" not in line or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        queues = _queues_of(shlex.split(command))
        if queues is not None:
            workers[name] = queues
    return workers


def _compose_workers() -> dict[str, set[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {}
    for name, service in services.items():
        command = service.get("command")
        if isinstance(command, list) and "celery" in command:
            queues = _queues_of(command)
            if queues is not None:
                workers[name] = queues
    return workers


@pytest.mark.parametrize("layout", [_procfile_workers, _compose_workers], ids=["Procfile", "docker-compose"])
def test_every_queue_has_a_worker(layout):
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    consumed = set().union(*layout().values())
    assert declared == consumed, f"queues without a worker: {declared - consumed}; unknown: {consumed - declared}"


@pytest.mark.parametrize("layout", [_procfile_workers, _compose_workers], ids=["Procfile", "docker-compose"])
def test_notices_have_their_own_worker(layout):
    """Thousands of proactive notices after a scan burst must not take the slots of chats or the dispatch push."""
    workers = layout()
    assert any(queues == {"notices"} for queues in workers.values()), workers
    assert any({"parceldesk", "dispatch"} <= queues and "notices" not in queues for queues in workers.values())


@pytest.mark.parametrize("task, queue", [
    ("helpdesk.dispatch.tasks.outbox_shipments_push", "dispatch"),
    ("helpdesk.dispatch.tasks.outbox_push_due", "dispatch"),
    ("helpdesk.shipments.tasks.delivery_notices_send", "notices"),
    ("helpdesk.shipments.tasks.delivery_notices_fan_out", "notices"),
    ("helpdesk.shipments.tasks.delivery_notices_send_pending", "notices"),
    ("helpdesk.surveys.tasks.nps_survey_send", "notices"),
    ("helpdesk.conversations.tasks.conversation_process", "parceldesk"),
    ("helpdesk.conversations.tasks.conversation_outbound_flush", "parceldesk"),
    ("helpdesk.shipments.tasks.one_time_code_send", "parceldesk"),
])
def test_routes(task, queue):
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue


def test_a_task_lands_in_its_own_queue_only(settings):
    """On the real Redis broker: one message per task, in the routed queue, never copied into the others (queues
    that share an exchange and routing key would each get a copy, and every worker would run the task)."""
    import redis

    from helpdesk.dispatch.tasks import outbox_shipments_push
    from helpdesk.shipments.notices import PROACTIVE_PRIORITY
    from helpdesk.shipments.tasks import delivery_notices_send
    from helpdesk.conversations.tasks import conversation_outbound_flush, conversation_process

    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def depth() -> dict[str, int]:
        # kombu keeps one list per queue and priority step: "notices", "notices\x06\x166", ...
        return {name: sum(broker.llen(key) for key in broker.keys(name.encode() + b"*")
                          if broker.type(key) == b"list") for name in names}

    def clear():
        for name in names:
            for key in broker.keys(name.encode() + b"*") + broker.keys(b"_kombu.binding." + name.encode()):
                broker.delete(key)

    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False  # the test settings run tasks in place; here they must reach the broker
    clear()
    with app.connection_for_write() as connection:  # as the workers do when they start: bind every queue
        for queue in app.amqp.queues.values():
            queue(connection.default_channel).declare()
    try:
        sends = [
            (lambda: outbox_shipments_push.delay([1]), "dispatch"),
            (lambda: delivery_notices_send.apply_async(([1],), priority=PROACTIVE_PRIORITY), "notices"),
            (lambda: conversation_outbound_flush.apply_async((1,), queue="notices", priority=PROACTIVE_PRIORITY),
             "notices"),
            (lambda: conversation_process.delay(1), "parceldesk"),
        ]
        for send, queue in sends:
            before = depth()
            send()
            after = depth()
            grew = {name: after[name] - before[name] for name in names if after[name] != before[name]}
            assert grew == {queue: 1}, (queue, grew)
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = settings.CELERY_TASK_ALWAYS_EAGER
        clear()
