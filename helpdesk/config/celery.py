"""The Celery app shared by the web process, the worker and beat."""
import os

from celery import Celery

from helpdesk.core import broker
from helpdesk.core.worker_pool import ThreadPoolWakeup

broker.install()  # publishing a task reuses the channel's Redis client (helpdesk/core/broker.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.config.settings.local")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(ThreadPoolWakeup)  # `--pool threads` asks for the next task as soon as one ends
