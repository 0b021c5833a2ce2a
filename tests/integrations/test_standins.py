"""The stand-ins answer like the providers where our clients cannot show it: auth errors, concurrency."""
import threading

import requests

from integrations.base import OutboundMessage
from integrations.twilio.client import TwilioSender


def test_twilio_refuses_missing_or_wrong_credentials_with_its_error_document(twilio_standin):
    url = f"{twilio_standin.url}/2010-04-01/Accounts/{twilio_standin.account_sid}/Messages.json"
    form = {"To": "+4915112345678", "From": "+15017122661", "Body": "hi"}
    for auth in (None, (twilio_standin.account_sid, "wrong")):
        answer = requests.post(url, data=form, auth=auth, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {"code": 20003, "message": "Authenticate",
                                 "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
    assert twilio_standin.sent_messages == []


def test_twilio_message_document(twilio_standin):
    url = f"{twilio_standin.url}/2010-04-01/Accounts/{twilio_standin.account_sid}/Messages.json"
    answer = requests.post(url, data={"To": "+4915112345678", "From": "+15017122661", "Body": "hi"},
                           auth=(twilio_standin.account_sid, twilio_standin.auth_token), timeout=5)
    assert answer.status_code == 201
    document = answer.json()
    assert document["status"] == "queued"
    assert (document["to"], document["from"], document["body"]) == ("+4915112345678", "+15017122661", "hi")
    assert document["sid"].startswith("SM") and len(document["sid"]) == 34
    assert document["account_sid"] == twilio_standin.account_sid


def test_concurrent_retries_with_one_idempotency_key_send_one_message(twilio_standin):
    sender = TwilioSender(twilio_standin.account_sid, twilio_standin.auth_token, "+15017122661", "",
                          api_base=twilio_standin.url)
    results = []

    def send():
        results.append(sender.send(OutboundMessage(channel="sms", to="+4915112345678", text="hi",
                                                   idempotency_key="same-key")))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(twilio_standin.sent_messages) == 1
    assert {result.provider_message_id for result in results} == {twilio_standin.sent_messages[0].sid}
