"""The SMS webhook stays lean: verify, parse, store once, schedule, answer -- in a handful of SQL statements.

Twilio's webhook waits for this answer and a busy carrier sends about a hundred a second, so each statement counts
(bench-hub measures the CPU). The request goes through the whole Django stack in-process (middleware, view, the
store service) so every statement it makes is counted; the worker's side is only recorded, never run here.
"""
from urllib.parse import urlencode

import pytest

from helpdesk.conversations.models import Conversation, ConversationState, Message
from helpdesk.customers.models import ChannelIdentity, Customer
from integrations.standins.twilio import TwilioStandin
from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature

pytestmark = pytest.mark.django_db(transaction=True)  # real transactions: the counts are what production runs
URL = "http://testserver/webhooks/twilio/"
SMS_NUMBER = "+15017122661"
# Round trips to the database, BEGIN and COMMIT included (before the webhook was made lean: 16, 8 and 1 with a
# SELECT before every write; a retry now costs two more than that SELECT but every first delivery six fewer).
# Every later message: BEGIN, one UPDATE ... RETURNING that finds, locks and stamps the open conversation, the
# INSERT of the message, COMMIT.
KNOWN_SENDER_QUERIES = 4
# A sender's first message: the same, plus one statement that finds or creates their identity (joining the customer
# with that phone, or a new one) and opens the conversation (through the ORM it was five: 9 in all).
NEW_SENDER_QUERIES = 5
# A retry of a message already stored: its INSERT fails and rolls the stamp back; one SELECT tells a retry from two
# first messages racing to open the same conversation.
RETRY_QUERIES = 5


@pytest.fixture
def twilio(settings):
    standin = TwilioStandin()  # only its webhook shapes and credentials; nothing is sent here
    settings.TWILIO = {"account_sid": standin.account_sid, "auth_token": standin.auth_token, "api_base": "",
                       "from_sms": SMS_NUMBER, "from_whatsapp": ""}
    return standin


@pytest.fixture
def scheduled(monkeypatch):
    from helpdesk.conversations import tasks

    calls = []
    monkeypatch.setattr(tasks.conversation_process, "delay", lambda cid: calls.append(cid))
    return calls


def post(client, twilio, params):
    signature = compute_signature(auth_token=twilio.auth_token, url=URL, params=params)
    return client.post("/webhooks/twilio/", urlencode(params), content_type="application/x-www-form-urlencoded",
                       headers={SIGNATURE_HEADER: signature})


def test_a_new_senders_first_sms_is_stored_in_a_few_statements(client, twilio, scheduled,
                                                                django_assert_max_num_queries):
    params = twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="where is SF1234567890?")
    with django_assert_max_num_queries(NEW_SENDER_QUERIES):
        response = post(client, twilio, params)
    assert response.status_code == 200 and response.content.endswith(b"<Response></Response>")
    message = Message.objects.get()
    conversation = message.conversation
    assert (message.text, message.external_id, message.delivery_status) == (
        "where is SF1234567890?", params["MessageSid"], Message.DeliveryStatus.RECEIVED)
    assert (conversation.channel, conversation.external_user_id, conversation.state) == (
        "sms", "+447700900123", ConversationState.BOT)
    assert conversation.identity.customer.phone == "+447700900123"
    assert conversation.last_inbound_at is not None
    assert scheduled == [conversation.pk]


def test_the_next_sms_of_an_open_conversation_is_two_statements(client, twilio, scheduled,
                                                                django_assert_max_num_queries):
    post(client, twilio, twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="hi"))
    conversation = Conversation.objects.get()
    first_stamp = conversation.last_message_at
    params = twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="SF1234567890")
    with django_assert_max_num_queries(KNOWN_SENDER_QUERIES):
        response = post(client, twilio, params)
    assert response.status_code == 200
    assert list(Message.objects.values_list("conversation_id", "text").order_by("id")) == [
        (conversation.pk, "hi"), (conversation.pk, "SF1234567890")]
    conversation.refresh_from_db()
    assert conversation.last_message_at > first_stamp and conversation.last_inbound_at == conversation.last_message_at
    assert scheduled == [conversation.pk, conversation.pk]


def test_a_retried_sms_stores_nothing_and_changes_nothing(client, twilio, scheduled, django_assert_max_num_queries):
    params = twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="hi")
    post(client, twilio, params)
    stamp = Conversation.objects.get().last_message_at
    with django_assert_max_num_queries(RETRY_QUERIES):
        again = post(client, twilio, params)  # Twilio retries when our answer was late
    assert again.status_code == 200
    assert Message.objects.count() == 1
    assert Conversation.objects.get().last_message_at == stamp  # the stamp was rolled back with the INSERT
    assert len(scheduled) == 1


def test_a_sender_whose_conversation_was_closed_gets_a_new_one_with_the_same_customer(client, twilio, scheduled):
    post(client, twilio, twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="hi"))
    first = Conversation.objects.get()
    Conversation.objects.filter(pk=first.pk).update(state=ConversationState.CLOSED)
    response = post(client, twilio, twilio.inbound_params(from_="+447700900123", to=SMS_NUMBER, body="me again"))
    assert response.status_code == 200
    second = Conversation.objects.exclude(pk=first.pk).get()
    assert second.state == ConversationState.BOT and second.customer_id == first.customer_id
    assert Message.objects.get(text="me again").conversation_id == second.pk
    assert (Customer.objects.count(), ChannelIdentity.objects.count()) == (1, 1)


def test_an_sms_from_the_phone_on_file_joins_that_customer(client, twilio, scheduled):
    customer = Customer.objects.create(name="Li Na", phone="+8613800138000", language="zh-hans")
    post(client, twilio, twilio.inbound_params(from_="+8613800138000", to=SMS_NUMBER, body="你好"))
    conversation = Conversation.objects.get()
    assert conversation.customer_id == customer.pk and conversation.language == "zh-hans"
