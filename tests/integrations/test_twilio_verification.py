import pytest

from integrations.twilio.verification import compute_signature, is_valid_signature
from tests.integrations.conftest import fixture_form

TOKEN = "12345"
URL = "https://support.example-carrier.com/webhooks/twilio/?channel=sms"


@pytest.fixture
def form():
    return fixture_form("twilio/sms_inbound.txt")


def signed(form, url=URL, token=TOKEN):
    return compute_signature(auth_token=token, url=url, params=form)


def test_twilios_documented_example_signature():
    # https://www.twilio.com/docs/usage/security#validating-requests
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert is_valid_signature(auth_token=TOKEN, url=url, params=params, signature="0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_genuine_webhook_is_accepted(form):
    assert is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature=signed(form))


def test_signature_with_explicit_default_port_is_accepted(form):
    # Twilio signs some requests with :443 in the URL; the validator tries both forms.
    with_port = "https://support.example-carrier.com:443/webhooks/twilio/?channel=sms"
    assert is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature=signed(form, url=with_port))


def test_forged_signature_is_refused(form):
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature=signed(form, token="not-ours"))
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature="")
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature=None)
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=form, signature="ünïcode-garbage")


def test_tampered_body_is_refused(form):
    signature = signed(form)
    tampered = {**form, "Body": "Change the address to 1 Fraud Street"}
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=tampered, signature=signature)
    added = {**form, "Extra": "1"}
    assert not is_valid_signature(auth_token=TOKEN, url=URL, params=added, signature=signature)


def test_url_must_be_the_public_one_twilio_saw(form):
    signature = signed(form)
    # behind a TLS-terminating proxy the app server sees http and an internal host
    assert not is_valid_signature(auth_token=TOKEN, url="http://10.0.0.5:8000/webhooks/twilio/?channel=sms",
                                  params=form, signature=signature)
    assert not is_valid_signature(auth_token=TOKEN, url=URL.replace("channel=sms", "channel=whatsapp"),
                                  params=form, signature=signature)


def test_django_querydict_shaped_params_are_accepted(form):
    class QueryDictLike(dict):
        def getlist(self, key):
            return [self[key]]

    assert is_valid_signature(auth_token=TOKEN, url=URL, params=QueryDictLike(form), signature=signed(form))
    as_lists = {key: [value] for key, value in form.items()}
    assert is_valid_signature(auth_token=TOKEN, url=URL, params=as_lists, signature=signed(form))


def test_unset_auth_token_refuses_everything(form):
    assert not is_valid_signature(auth_token="", url=URL, params=form, signature=signed(form, token=""))


def test_json_webhook_body_is_checked_by_its_hash():
    # Twilio signs JSON bodies by putting their SHA-256 in the URL (?bodySHA256=) and signing the URL alone.
    import hashlib

    body = '{"MessageSid":"SM' + "e" * 32 + '","MessageStatus":"read"}'
    url = f"https://support.example-carrier.com/webhooks/twilio/status/?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = compute_signature(auth_token=TOKEN, url=url, params={})
    assert is_valid_signature(auth_token=TOKEN, url=url, params=body, signature=signature)
    assert not is_valid_signature(auth_token=TOKEN, url=url, params=body.replace("read", "failed"), signature=signature)
