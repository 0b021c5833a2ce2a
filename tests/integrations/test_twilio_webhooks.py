"""Webhooks the Twilio stand-in sends are what the helpdesk's Twilio adapter accepts, and nothing else is."""
from integrations.base import Channel
from integrations.twilio.parsing import parse_inbound, parse_status_callback
from integrations.twilio.verification import SIGNATURE_HEADER, is_valid_signature


def received(receiver):
    [request] = receiver.requests
    form = {key: values[0] for key, values in request.form().items()}
    return request, form


def test_signed_inbound_sms_verifies_and_parses(twilio_standin, webhook_receiver):
    url = webhook_receiver.url + "/webhooks/twilio/"
    twilio_standin.send_inbound(url, from_="+15558675310", to="+15017122661", body="STOP")
    request, form = received(webhook_receiver)
    assert is_valid_signature(auth_token=twilio_standin.auth_token, url=url, params=form,
                              signature=request.headers[SIGNATURE_HEADER])
    message = parse_inbound(form)
    assert (message.channel, message.external_user_id, message.text) == (Channel.SMS, "+15558675310", "STOP")


def test_signed_inbound_whatsapp_with_media(twilio_standin, webhook_receiver):
    url = webhook_receiver.url + "/webhooks/twilio/"
    twilio_standin.send_inbound(url, from_="whatsapp:+79161234567", to="whatsapp:+14155238886", body="",
                                media=(("https://api.twilio.com/media/ME1", "image/jpeg"),), profile_name="Ivan")
    request, form = received(webhook_receiver)
    assert is_valid_signature(auth_token=twilio_standin.auth_token, url=url, params=form,
                              signature=request.headers[SIGNATURE_HEADER])
    message = parse_inbound(form)
    assert message.channel == Channel.WHATSAPP
    assert message.external_user_id == "+79161234567"
    assert message.media == ({"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"},)
    assert form["WaId"] == "79161234567"


def test_webhook_signed_for_the_public_url_behind_a_proxy(twilio_standin, webhook_receiver):
    public = "https://support.example-carrier.com/webhooks/twilio/"
    twilio_standin.send_inbound(webhook_receiver.url + "/webhooks/twilio/", signed_url=public,
                                from_="+15558675310", to="+15017122661", body="hi")
    request, form = received(webhook_receiver)
    signature = request.headers[SIGNATURE_HEADER]
    assert is_valid_signature(auth_token=twilio_standin.auth_token, url=public, params=form, signature=signature)
    assert not is_valid_signature(auth_token=twilio_standin.auth_token, url=webhook_receiver.url + "/webhooks/twilio/",
                                  params=form, signature=signature)


def test_webhook_signed_with_another_token_is_refused(twilio_standin, webhook_receiver):
    url = webhook_receiver.url + "/webhooks/twilio/"
    twilio_standin.send_inbound(url, from_="+15558675310", to="+15017122661", body="hi")
    request, form = received(webhook_receiver)
    assert not is_valid_signature(auth_token="another-accounts-token", url=url, params=form,
                                  signature=request.headers[SIGNATURE_HEADER])


def test_signed_status_callback(twilio_standin, webhook_receiver):
    url = webhook_receiver.url + "/webhooks/twilio/status/"
    sid = "SM" + "d" * 32
    twilio_standin.send_status_callback(url, message_sid=sid, status="undelivered", to="+15558675310",
                                        from_="+15017122661", error_code="30003", error_message="Unreachable handset")
    request, form = received(webhook_receiver)
    assert is_valid_signature(auth_token=twilio_standin.auth_token, url=url, params=form,
                              signature=request.headers[SIGNATURE_HEADER])
    update = parse_status_callback(form)
    assert (update.message_sid, update.status, update.error_code) == (sid, "undelivered", "30003")


def test_status_callback_for_a_sent_message_goes_to_its_status_callback_url(twilio_standin, webhook_receiver):
    from integrations.base import OutboundMessage
    from integrations.twilio.client import TwilioSender

    callback = webhook_receiver.url + "/webhooks/twilio/status/"
    sender = TwilioSender(twilio_standin.account_sid, twilio_standin.auth_token, "+15017122661", "",
                          api_base=twilio_standin.url, status_callback=callback)
    result = sender.send(OutboundMessage(channel="sms", to="+15558675310", text="hi", idempotency_key="cb-1"))
    twilio_standin.report_status(result.provider_message_id, "delivered")
    request, form = received(webhook_receiver)
    assert is_valid_signature(auth_token=twilio_standin.auth_token, url=callback, params=form,
                              signature=request.headers[SIGNATURE_HEADER])
    update = parse_status_callback(form)
    assert (update.message_sid, update.status) == (result.provider_message_id, "delivered")
    assert form["To"] == "+15558675310"
