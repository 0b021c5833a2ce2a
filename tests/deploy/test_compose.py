"""docker-compose.yml cannot be run here (no Docker engine), so its structure and references are checked."""
import importlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_production_service_is_defined(compose):
    assert {"postgres", "redis", "web", "worker", "beat", "rasa", "actions"} <= set(compose["services"])


def test_one_django_image_serves_web_worker_and_beat(compose):
    services = compose["services"]
    builds = {name: services[name]["build"]["dockerfile"] for name in ("web", "worker", "beat", "migrate")}
    assert set(builds.values()) == {"docker/helpdesk.Dockerfile"}
    assert len({services[name]["image"] for name in builds}) == 1
    for dockerfile in ("docker/helpdesk.Dockerfile", "docker/bot.Dockerfile"):
        assert (ROOT / dockerfile).is_file()


def test_long_running_services_have_healthchecks(compose):
    for name in ("postgres", "redis", "web", "worker", "rasa", "actions"):
        assert "healthcheck" in compose["services"][name], name


def test_commands_point_at_code_that_exists(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert web[:3] == ["python", "-m", "helpdesk.config.web"]  # uvicorn processes on one socket
    module, attr = importlib.import_module("helpdesk.config.web").APPLICATION.split(":")
    assert hasattr(importlib.import_module(module), attr)
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "helpdesk.config"]
        assert importlib.import_module("helpdesk.config").celery_app.main == "helpdesk"
    assert services["migrate"]["command"][:2] == ["python", "manage.py"] and (ROOT / "manage.py").is_file()
    endpoints = services["rasa"]["command"][services["rasa"]["command"].index("--endpoints") + 1]
    config = yaml.safe_load((ROOT / "bot" / endpoints).read_text())
    assert config["lock_store"]["type"] == "redis"
    assert config["tracker_store"]["type"] == "SQL" and config["tracker_store"]["dialect"] == "postgresql"
    assert services["actions"]["command"][:3] == ["rasa", "run", "actions"]


def test_rasa_is_not_published_to_the_host(compose):
    assert "ports" not in compose["services"]["rasa"] and "ports" not in compose["services"]["actions"]


def test_every_documented_environment_variable_is_read_by_settings():
    settings_source = (ROOT / "helpdesk/config/settings/base.py").read_text()
    for name in ["DATABASE_URL", "REDIS_URL", "RASA_URL", "RASA_TOKEN", "HELPDESK_API_TOKEN", "TWILIO_ACCOUNT_SID",
                 "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET",
                 "WECHAT_AES_KEY", "WECHAT_API_BASE", "DISPATCH_WEBHOOK_URL", "DISPATCH_SECRET"]:
        assert f'"{name}"' in settings_source, name
        assert name in (ROOT / "README.md").read_text(), f"{name} missing from the README configuration table"


def test_the_chats_worker_runs_the_same_pool_in_both_layouts(compose):
    """Procfile and docker-compose.yml run the chats worker with one pool and size (bench-hub measures that one)."""
    import shlex

    def pool_and_size(argv):
        pool = argv[argv.index("--pool") + 1] if "--pool" in argv else "prefork"
        return pool, argv[argv.index("--concurrency") + 1] if "--concurrency" in argv else None

    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    procfile = pool_and_size(shlex.split(line.split(":", 1)[1]))
    assert procfile == pool_and_size(compose["services"]["worker"]["command"])
