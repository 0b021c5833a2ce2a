"""Every model has a working admin page, and the demo data loads, adds up and loads only once."""
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from helpdesk.conversations.models import Conversation
from helpdesk.shipments.models import Shipment, ShipmentStatus
from helpdesk.surveys.models import NpsResponse
from helpdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "customers", "network", "shipments", "conversations", "tickets", "surveys", "dispatch", "selfservice"}


@pytest.fixture
def seeded():
    call_command("seed_demo", shipments=60, verbosity=0)


def test_every_domain_model_is_in_the_admin():
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    missing = [m.__name__ for m in models if m not in admin.site._registry]
    assert not missing


def test_admin_changelists_and_change_pages_open(seeded, admin_client):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        assert admin_client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200, info
        first = model.objects.first()
        if first is not None:
            assert admin_client.get(reverse("admin:%s_%s_change" % info, args=[first.pk])).status_code == 200, info


def test_demo_data_covers_every_status_and_logs_in(seeded, client):
    statuses = set(Shipment.objects.values_list("status", flat=True))
    assert statuses == set(ShipmentStatus.values)
    assert Shipment.objects.filter(tracking_number="SF1234567890", status="in_transit").exists()
    assert Conversation.objects.filter(state="queued").exists() and Ticket.objects.exists()
    assert NpsResponse.objects.exists()
    assert client.login(username="supervisor", password="parceldesk-demo")
    call_command("seed_demo", verbosity=0)  # a second run adds nothing
    assert Shipment.objects.filter(return_of__isnull=True).count() == 60  # plus the demo returns' own shipments
    assert Shipment.objects.filter(return_of__isnull=False).exists()
