"""What an agent sees change on an open page, without reloading it: customers' messages arriving through the signed
Twilio webhook, the bot's answers from the Celery worker, a colleague taking over and writing, the inbox queues and
their counts. Everything travels as in production: daphne, the Redis channel layer, the worker, /ws/agent/."""
from __future__ import annotations

import pytest
import requests

from helpdesk.conversations.models import Conversation, ConversationState
from tests.browser.conftest import customer_texts, eventually, log_in
from tests.factories import AgentFactory, ConversationFactory, MessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "+8613800138000"
OTHER_CUSTOMER = "+8613900139000"


@pytest.fixture
def bob(team):
    return AgentFactory(username="bob", first_name="Bob", last_name="Lee", profile__team=team)


def mark_page(page) -> None:
    """A flag that a reload or navigation would wipe out."""
    page.evaluate("() => { window.__sameDocument = true; }")


def same_page(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def count(page, queue: str) -> str:
    return page.locator(f'[data-count="{queue}"]').inner_text().strip()


def wait_for_count(page, queue: str, value: int) -> None:
    page.wait_for_function(
        "([q, v]) => document.querySelector(`[data-count=\"${q}\"]`).textContent.trim() === v", arg=[queue, str(value)])


def test_customer_messages_and_bot_answers_appear_in_the_open_conversation(page, agent, phones, bot, helpdesk):
    bot.reply = "Hello! Send me your tracking number."
    customer_texts(phones, helpdesk, from_=CUSTOMER, body="hi")
    convo = eventually(lambda: Conversation.objects.filter(external_user_id=CUSTOMER).first(), what="the conversation")
    eventually(lambda: len(phones.sent_messages) == 1, what="the bot's greeting reaching the customer")

    log_in(page, agent.username, next_url=f"/inbox/c/{convo.id}/")
    thread = page.locator("#thread")
    thread.locator(".msg.bot", has_text="Send me your tracking number").wait_for()
    page.wait_for_timeout(500)  # the page's socket is connected (it sends the counts first)
    mark_page(page)

    bot.reply = "Courier Wang is on the way: today 14:00–16:00."
    customer_texts(phones, helpdesk, from_=CUSTOMER, body="Is my parcel coming today?")
    customer_texts(phones, helpdesk, from_=OTHER_CUSTOMER, body="Someone else's question")

    question = thread.locator(".msg.customer", has_text="Is my parcel coming today?")
    question.wait_for()
    assert "Customer" in question.locator(".meta").inner_text()
    answer = thread.locator(".msg.bot", has_text="Courier Wang is on the way")
    answer.wait_for()
    answer.locator(".status", has_text="Sent").wait_for()  # and it reached the customer's phone
    assert [m.body for m in phones.sent_messages if m.to == CUSTOMER][-1] == "Courier Wang is on the way: today 14:00–16:00."
    texts = thread.locator(".msg .text").all_inner_texts()
    assert texts.index("Is my parcel coming today?") < texts.index("Courier Wang is on the way: today 14:00–16:00.")
    page.wait_for_timeout(300)
    assert "Someone else's question" not in thread.inner_text()  # another conversation's message stays out
    assert same_page(page)


def test_a_colleague_taking_over_and_writing_shows_live(browser_context, agent, bob, team, phones, helpdesk):
    convo = ConversationFactory(channel="sms", external_user_id=CUSTOMER, team=team, state=ConversationState.QUEUED,
                                handoff_reason="requested")
    MessageFactory(conversation=convo, text="I want to talk to a person")
    alice_page = browser_context().new_page()
    log_in(alice_page, agent.username, next_url=f"/inbox/c/{convo.id}/")
    assert alice_page.locator("[data-action=take-over]").is_enabled()
    alice_page.wait_for_timeout(500)
    mark_page(alice_page)

    bob_page = browser_context().new_page()
    log_in(bob_page, bob.username, next_url=f"/inbox/c/{convo.id}/")
    bob_page.click("[data-action=take-over]")
    bob_page.locator("#state.agent").wait_for()

    alice_page.locator("#state.agent", has_text="With an agent").wait_for()
    alice_page.locator("#taken", has_text="Bob Lee took over this conversation.").wait_for()
    assert "with Bob Lee" in alice_page.locator("#assignee").inner_text()
    assert alice_page.locator("[data-action=take-over]").is_disabled()
    alice_page.locator("#thread .msg.system", has_text="Bob Lee joined the conversation.").wait_for()

    bob_page.fill("#text", "Hi, this is Bob. I'm looking at your parcel now.")
    bob_page.click("#send")
    reply = alice_page.locator("#thread .msg.agent", has_text="I'm looking at your parcel now")
    reply.wait_for()
    assert reply.locator(".meta").inner_text().startswith("Bob Lee · ")
    reply.locator(".status", has_text="Sent").wait_for()
    bob_page.fill("#text", "Courier says nobody opened the door.")
    bob_page.click("#note")
    note = alice_page.locator("#thread .msg.note", has_text="nobody opened the door")
    note.wait_for()
    assert "internal note" in note.locator(".meta").inner_text()
    assert [m.body for m in phones.sent_messages] == ["Hi, this is Bob. I'm looking at your parcel now."]
    assert same_page(alice_page)


def test_inbox_counts_and_rows_follow_the_conversations_live(browser_context, agent, bob, team, phones, bot, helpdesk):
    page = browser_context().new_page()
    log_in(page, agent.username, next_url="/inbox/?queue=waiting")
    assert (count(page, "waiting"), count(page, "bot"), count(page, "team")) == ("0", "0", "0")
    page.wait_for_timeout(500)
    mark_page(page)

    bot.reply = "I'll find a colleague for you."
    customer_texts(phones, helpdesk, from_=CUSTOMER, body="My parcel was damaged, I need a person")
    wait_for_count(page, "bot", 1)
    convo = Conversation.objects.get(external_user_id=CUSTOMER)

    # The bot's action asks for a human exactly as the action server does: the bot API with the service token.
    response = requests.post(f"{helpdesk}/api/v1/bot/conversations/{convo.id}/handoff/", json={"reason": "requested"},
                             headers={"Authorization": "Token test-helpdesk-token"}, timeout=10)
    assert response.status_code == 200, response.text
    wait_for_count(page, "waiting", 1)
    assert (count(page, "bot"), count(page, "team")) == ("0", "1")
    row = page.locator(f"tr[data-conversation='{convo.id}']")
    row.wait_for()
    assert "I'll find a colleague for you." in row.inner_text()
    assert "Customer asked for a human" in row.inner_text()

    bob_page = browser_context().new_page()
    log_in(bob_page, bob.username, next_url=f"/inbox/c/{convo.id}/")
    bob_page.click("[data-action=take-over]")
    bob_page.locator("#state.agent").wait_for()
    wait_for_count(page, "waiting", 0)
    row.wait_for(state="detached")
    assert (count(page, "team"), count(page, "mine")) == ("1", "0")  # Bob's, not Alice's
    assert same_page(page)


def test_the_bot_delay_banner_comes_and_goes_live(page, agent, phones, bot, helpdesk):
    """Rasa unreachable: the customer's message waits (retried with backoff) and the agent watching the chat is told
    so at once; when the bot answers again the banner goes and the answer appears, on the same page."""
    bot.reply = "Hello! Send me your tracking number."
    customer_texts(phones, helpdesk, from_=CUSTOMER, body="hi")
    convo = eventually(lambda: Conversation.objects.filter(external_user_id=CUSTOMER).first(), what="the conversation")
    eventually(lambda: len(phones.sent_messages) == 1, what="the bot's greeting")
    log_in(page, agent.username, next_url=f"/inbox/c/{convo.id}/")
    banner = page.locator("#bot-delayed")
    page.locator("#thread .msg.bot", has_text="Send me your tracking number").wait_for()
    assert banner.is_hidden()
    page.wait_for_timeout(500)  # the socket is connected
    mark_page(page)

    try:
        bot.down = True
        customer_texts(phones, helpdesk, from_=CUSTOMER, body="SF1234567890 where is it?")
        banner.wait_for(state="visible", timeout=20_000)
        assert "messages are waiting" in banner.inner_text()
        page.locator("#thread .msg.customer", has_text="SF1234567890 where is it?").wait_for()
        bot.reply = "Your parcel SF1234567890 is at the Pudong station."
    finally:
        bot.down = False
    banner.wait_for(state="hidden", timeout=30_000)  # the retry got through
    page.locator("#thread .msg.bot", has_text="is at the Pudong station").wait_for()
    assert same_page(page)
    assert Conversation.objects.get(pk=convo.pk).bot_delayed_since is None
