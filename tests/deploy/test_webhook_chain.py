"""The web server's cheaper path for provider webhooks: only the middleware a webhook needs (helpdesk.core.asgi), and
one Redis client per kombu channel for the tasks it schedules (helpdesk.core.broker)."""
from urllib.parse import urlencode

import pytest
from channels.testing import HttpCommunicator

from helpdesk.core.asgi import WEBHOOK_MIDDLEWARE, HelpdeskASGIHandler
from integrations.standins.twilio import TwilioStandin

pytestmark = pytest.mark.django_db(transaction=True)


async def _post(handler, path, body=b"", headers=()):
    communicator = HttpCommunicator(handler, "POST", path, body=body,
                                    headers=[(b"host", b"testserver"), *headers])
    return await communicator.get_response(timeout=20)


def test_webhooks_run_only_the_middleware_they_need(settings):
    handler = HelpdeskASGIHandler(threads=1)
    chain, names = handler._webhooks._middleware_chain, []
    while hasattr(chain, "get_response") or hasattr(chain, "__wrapped__"):
        chain = getattr(chain, "__wrapped__", chain)
        if hasattr(chain, "get_response"):
            names.append(f"{type(chain).__module__}.{type(chain).__name__}")
            chain = chain.get_response
    assert names == [path for path in settings.MIDDLEWARE if path in WEBHOOK_MIDDLEWARE]
    assert handler._webhooks._view_middleware == []  # no CSRF check (the views are csrf_exempt anyway)


@pytest.mark.asyncio
async def test_a_webhook_answers_with_the_security_headers_and_no_locale(settings):
    twilio = TwilioStandin()
    settings.TWILIO = {**settings.TWILIO, "account_sid": twilio.account_sid, "auth_token": twilio.auth_token}
    handler = HelpdeskASGIHandler(threads=1)
    params = twilio.inbound_params(from_="+447700900123", to="+15017122661", body="hi")
    forged = await _post(handler, "/webhooks/twilio/", urlencode(params).encode(),
                         [(b"content-type", b"application/x-www-form-urlencoded"),
                          (b"x-twilio-signature", b"forged"), (b"accept-language", b"ru")])
    assert forged["status"] == 403
    headers = {name.lower(): value for name, value in forged["headers"]}
    assert headers[b"x-frame-options"] == b"DENY" and headers[b"x-content-type-options"] == b"nosniff"
    assert b"content-language" not in headers and b"set-cookie" not in headers
    page = await _post(handler, "/i18n/setlang/", b"language=ru",
                       [(b"content-type", b"application/x-www-form-urlencoded")])
    assert page["status"] == 403  # the full chain still runs elsewhere: CSRF refuses a form without its token


def test_publishing_reuses_the_channels_redis_client(monkeypatch):
    from kombu.transport import redis as kombu_redis

    from helpdesk.config.celery import app

    built = []
    original = kombu_redis.Channel._create_client
    monkeypatch.setattr(kombu_redis.Channel, "_create_client",
                        lambda self, asynchronous=False: built.append(asynchronous) or original(self, asynchronous))
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        built.clear()  # what opening the channel built
        for _ in range(3):
            with channel.conn_or_acquire() as client:
                client.ping()
        assert built == [False]
        channel._pool = None  # kombu replaced its pool (after a fork, or a disconnect): a new client on the new one
        with channel.conn_or_acquire() as client:
            assert client.connection_pool is channel.pool
        assert built == [False, False]
