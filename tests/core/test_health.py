import pytest


@pytest.mark.django_db
def test_healthz_names_every_part_and_reports_rasa_down_as_503(client, settings):
    settings.RASA_URL = "http://127.0.0.1:9"  # nothing listens there
    response = client.get("/healthz")
    body = response.json()
    assert set(body["parts"]) == {"database", "broker", "channel_layer", "rasa"}
    assert body["parts"]["database"] == "ok"
    assert body["parts"]["broker"] == "ok"
    assert body["parts"]["channel_layer"] == "ok"
    assert body["parts"]["rasa"].startswith("down")
    assert response.status_code == 503
