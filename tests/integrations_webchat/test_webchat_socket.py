"""The web chat socket over the real Channels stack and the Redis channel layer."""
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from helpdesk.conversations.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_bot(monkeypatch):
    from helpdesk.conversations import tasks

    scheduled = []
    monkeypatch.setattr(tasks.conversation_process, "delay", lambda cid: scheduled.append(cid))
    return scheduled


async def _connect(visitor="visitor-0001"):
    from helpdesk.config.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/webchat/?visitor={visitor}", headers=[(b"origin", b"http://localhost")])
    connected, _ = await communicator.connect()
    return communicator, connected


@pytest.mark.asyncio
async def test_message_stored_once_and_acknowledged(no_bot):
    communicator, connected = await _connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "history"
    for _ in range(2):  # the browser resends after a flaky connection
        await communicator.send_json_to({"type": "message", "id": "m-000000001", "text": "Where is SF1234567890?"})
        assert await communicator.receive_json_from() == {"type": "ack", "id": "m-000000001"}
    texts = await sync_to_async(lambda: list(Message.objects.values_list("text", flat=True)))()
    assert texts == ["Where is SF1234567890?"]
    assert len(no_bot) == 1
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_reply_is_pushed_and_history_comes_back_on_reconnect(no_bot):
    from helpdesk.conversations.messaging import bot_replies_store, conversation_outbound_flush
    from helpdesk.conversations.models import Conversation

    communicator, _ = await _connect("visitor-0002")
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "message", "id": "m-000000002", "text": "hello"})
    await communicator.receive_json_from()

    def reply():
        conversation = Conversation.objects.get(external_user_id="visitor-0002")
        bot_replies_store(conversation=conversation, replies=[{"text": "Hi! Send me your tracking number."}])
        conversation_outbound_flush(conversation_id=conversation.pk)

    await sync_to_async(reply)()
    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["type"] == "message" and pushed["message"]["text"] == "Hi! Send me your tracking number."
    await communicator.disconnect()

    again, _ = await _connect("visitor-0002")
    history = await again.receive_json_from()
    assert [m["text"] for m in history["messages"]] == ["hello", "Hi! Send me your tracking number."]
    await again.disconnect()


@pytest.mark.asyncio
async def test_bad_input_gets_a_polite_error_not_a_crash(no_bot):
    communicator, _ = await _connect("visitor-0003")
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "message", "id": "x", "text": ""})
    assert (await communicator.receive_json_from())["code"] == "invalid"
    await communicator.send_json_to({"type": "message", "id": "m-000000003", "text": "x" * 5000})
    assert (await communicator.receive_json_from())["code"] == "too_long"
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_malformed_visitor_id_is_refused():
    communicator, connected = await _connect("bad id!")
    assert not connected
