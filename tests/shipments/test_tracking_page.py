"""The public tracking page shows the timeline without personal data, and refuses bad input politely."""
import pytest

from tests.factories import ShipmentFactory, TrackingEventFactory

pytestmark = pytest.mark.django_db


def test_timeline_shown_without_personal_data(client):
    shipment = ShipmentFactory(recipient_name="Zhang Wei", recipient_phone="+8613811112222", address="Flat 9, 1 Secret Road")
    TrackingEventFactory(shipment=shipment, status="at_station", description="Arrived at the delivery station")
    page = client.get("/track/", {"tn": shipment.tracking_number.lower()}).content.decode()
    assert "Arrived at the delivery station" in page
    assert "Zhang" not in page and "13811112222" not in page and "Secret Road" not in page
    assert 'src="/static/webchat/widget.js"' in page and f'data-message="{shipment.tracking_number}"' in page


def test_language_follows_the_browser(client):
    shipment = ShipmentFactory(status="out_for_delivery")
    page = client.get("/track/", {"tn": shipment.tracking_number}, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Передано курьеру" in page


def test_unknown_and_malformed_numbers(client):
    assert client.get("/track/", {"tn": "ZZ999999999"}).status_code == 404
    response = client.get("/track/", {"tn": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_public_lookups_are_rate_limited(client):
    shipment = ShipmentFactory()
    codes = [client.get("/track/", {"tn": shipment.tracking_number}).status_code for _ in range(31)]
    assert codes[-1] == 429 and codes[:30] == [200] * 30
