"""The agent inbox and supervisor reports in a real browser (headless Chromium) on daphne with a Celery worker: what
the user sees, and what the server stored or sent to the stand-in provider and bot."""
from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation, ConversationState, Message
from helpdesk.shipments.models import Shipment
from helpdesk.tickets.models import Ticket
from tests.browser.conftest import eventually, log_in
from tests.factories import (
    ConversationFactory, DeliveryWindowFactory, MessageFactory, ShipmentFactory, TrackingEventFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER_PHONE = "+8613800138000"


@pytest.fixture
def sms_chat(team):
    """A customer talking to the bot on SMS about one parcel."""
    shipment = ShipmentFactory()
    TrackingEventFactory(shipment=shipment)
    convo = ConversationFactory(channel="sms", external_user_id=CUSTOMER_PHONE, team=team,
                                state=ConversationState.BOT, last_message_at=timezone.now())
    MessageFactory(conversation=convo, text="Where is my parcel " + shipment.tracking_number + "?")
    convo.shipments.add(shipment)
    return convo


def tracker_events(bot, conversation_id: int) -> list[str]:
    with bot._lock:
        return [e["event"] for call in bot.tracker_events if call["conversation"] == str(conversation_id)
                for e in call["events"] if e["event"] in ("pause", "resume")]


def test_take_over_reply_note_and_hand_back(page, shot, agent, sms_chat, phones, bot):
    log_in(page, agent.username)
    page.goto("/inbox/?queue=bot")
    row = page.locator(f"a[href*='/inbox/c/{sms_chat.id}/']").first
    row.wait_for()
    shot(page, "inbox")
    row.click()
    page.wait_for_url(f"**/inbox/c/{sms_chat.id}/**")

    page.click("[data-action=take-over]")
    page.wait_for_load_state("load")
    page.locator("#state.agent").wait_for()
    sms_chat.refresh_from_db()
    assert (sms_chat.state, sms_chat.assignee_id) == (ConversationState.AGENT, agent.id)

    page.fill("#text", "Your parcel is at the station and goes out tomorrow.")
    page.click("#send")
    reply = page.locator("#thread .msg.agent", has_text="goes out tomorrow")
    reply.wait_for()
    page.wait_for_function("() => document.getElementById('text').value === ''")
    sent = eventually(lambda: phones.sent_messages, what="the reply reaching the Twilio stand-in")
    assert [(m.to, m.body) for m in sent] == [(CUSTOMER_PHONE, "Your parcel is at the station and goes out tomorrow.")]
    reply.locator(".status", has_text="Sent").wait_for()  # the worker's send shows up live, without a reload

    page.fill("#text", "Customer sounded upset; check the courier's GPS.")
    page.click("#note")
    note = page.locator("#thread .msg.note", has_text="check the courier's GPS")
    note.wait_for()
    assert "internal note" in note.locator(".meta").inner_text()
    page.reload()
    page.locator("#thread .msg.note", has_text="check the courier's GPS").wait_for()
    shot(page, "conversation")
    stored = Message.objects.get(conversation=sms_chat, is_internal_note=True, sender_kind=Message.SenderKind.AGENT)
    assert stored.delivery_status == Message.DeliveryStatus.NOT_SENT
    assert len(phones.sent_messages) == 1  # the note never left

    page.click("[data-action=hand-back]")
    page.locator("#state.bot").wait_for()
    assert Conversation.objects.get(pk=sms_chat.pk).state == ConversationState.BOT
    eventually(lambda: tracker_events(bot, sms_chat.id) == ["pause", "resume"], what="Rasa's tracker paused, then resumed")


def test_open_ticket_from_the_chat(page, agent, sms_chat):
    shipment = sms_chat.shipments.get()
    log_in(page, agent.username, next_url=f"/inbox/c/{sms_chat.id}/")
    form = page.locator("#ticket-form")
    form.locator("input[name=subject]").fill("Courier never rang the bell")
    form.locator("button").click()
    link = page.locator("aside a[href^='/inbox/tickets/']").first
    link.wait_for()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Courier never rang the bell"
    assert list(ticket.shipments.values_list("tracking_number", flat=True)) == [shipment.tracking_number]
    assert link.inner_text() == ticket.number
    link.click()
    page.wait_for_url(f"**/inbox/tickets/{ticket.number}/**")
    heading = page.locator("h1").inner_text()
    assert ticket.number in heading and "Courier never rang the bell" in heading
    assert shipment.tracking_number in page.locator("main, body").first.inner_text()


def test_reschedule_from_the_shipment_panel(page, agent, sms_chat):
    shipment = sms_chat.shipments.get()
    full = DeliveryWindowFactory(station=shipment.station, capacity=1)
    Shipment.objects.filter(pk=shipment.pk).update(delivery_window=full)
    later = DeliveryWindowFactory(station=shipment.station, date=full.date, start="14:00", end="18:00", capacity=3)
    log_in(page, agent.username, next_url=f"/inbox/c/{sms_chat.id}/")
    panel = page.locator(f"[data-tracking='{shipment.tracking_number}']")
    form = panel.locator("form[data-shipment-action=reschedule]")
    form.locator("select").select_option(str(later.id))
    form.locator("button").click()
    page.locator("#toast", has_text="Saved").wait_for()
    page.wait_for_load_state("load")
    page.locator("dl.kv dd", has_text="14:00–18:00").wait_for()
    shipment.refresh_from_db()
    assert shipment.delivery_window_id == later.id


def test_customer_html_is_shown_escaped(page, agent, team):
    hostile = "<script>alert(1)</script><b>x</b>"
    convo = ConversationFactory(channel="sms", external_user_id=CUSTOMER_PHONE, team=team,
                                state=ConversationState.QUEUED)
    MessageFactory(conversation=convo, text=hostile)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, agent.username, next_url=f"/inbox/c/{convo.id}/")
    bubble = page.locator("#thread .msg.customer").first
    assert bubble.locator(".text").inner_text() == hostile
    assert bubble.locator("b").count() == 0 and bubble.locator("script").count() == 0
    page.goto("/inbox/?queue=waiting")
    page.locator(f"a[href*='/inbox/c/{convo.id}/']").first.wait_for()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("main b, .list b").filter(has_text="x").count() == 0


def test_supervisor_dashboard_charts_and_csv(page, shot, supervisor):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    log_in(page, supervisor.username, next_url="/reports/")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length > 0")
    canvases = page.evaluate("""() => Array.from(document.querySelectorAll('canvas')).map(c => ({
        id: c.id, width: c.width, height: c.height, chart: !!Chart.getChart(c),
        points: Chart.getChart(c) ? Chart.getChart(c).data.datasets.reduce((n, d) => n + d.data.length, 0) : 0}))""")
    assert len(canvases) >= 4
    for c in canvases:
        assert c["chart"] and c["width"] > 0 and c["height"] > 0, c
    assert sum(c["points"] for c in canvases) > 0  # drawn from the demo data, not empty
    shot(page, "dashboard")
    with page.expect_download() as info:
        page.click("a[href^='/reports/export/complaints.csv']")
    download = info.value
    assert download.suggested_filename.startswith("complaints_") and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["category", "complaints"]
    assert len(rows) > 1


def test_work_a_ticket_status_assignment_and_comment(browser_context, agent, team, sms_chat):
    from helpdesk.tickets.services import ticket_create
    from tests.factories import AgentFactory

    bob = AgentFactory(username="bob", first_name="Bob", last_name="Lee", profile__team=team)
    ticket = ticket_create(subject="Parcel arrived wet", category="complaint_damaged", conversation=sms_chat,
                           shipments=list(sms_chat.shipments.all()), team=team, actor=agent)
    page = browser_context().new_page()
    log_in(page, agent.username, next_url=f"/inbox/tickets/{ticket.number}/")
    work = page.locator("#ticket-work")

    work.locator("form[data-ticket-action=assign] select[name=assignee]").select_option("bob")
    work.locator("form[data-ticket-action=assign] button").click()
    page.locator("dl.kv dd", has_text="bob").wait_for()
    work.locator("form[data-ticket-action=status] select").select_option("pending")
    work.locator("form[data-ticket-action=status] button").click()
    page.locator("h1 .pill", has_text="Waiting on customer").wait_for()
    form = work.locator("form[data-ticket-action=comments]")
    form.locator("textarea").fill("Asked the customer for a photo of the box.")
    form.locator("input[name=is_internal]").uncheck()
    form.locator("button").click()
    page.locator(".card p", has_text="Asked the customer for a photo of the box.").wait_for()

    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status) == (bob.id, "pending")
    assert ticket.first_responded_at is not None  # a comment to the customer stops the first-response clock
    history = page.locator("table.list tbody").inner_text()
    assert all(word in history for word in ("Created", "Assigned", "Status changed", "Commented"))


def test_a_bar_of_the_dashboard_opens_the_tickets_behind_it(page, supervisor):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    log_in(page, supervisor.username, next_url="/reports/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-complaints'))")
    bar = page.evaluate("""() => { const c = Chart.getChart(document.getElementById('chart-complaints'));
        const el = c.getDatasetMeta(0).data[0]; return {x: el.x, y: (el.y + el.base) / 2, value: c.data.datasets[0].data[0],
        label: c.data.labels[0]}; }""")
    box = page.locator("#chart-complaints").bounding_box()
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_url("**/reports/drill/complaints/**")
    assert page.locator("[data-testid=drill-total]").inner_text() == str(bar["value"])
    rows = page.locator("[data-testid=drill] tbody tr")
    assert rows.count() == bar["value"]
    assert bar["label"] in rows.first.inner_text()  # "damaged parcel" in "Complaint: damaged parcel"
    rows.first.locator("a").click()
    page.wait_for_url("**/inbox/tickets/*/")
    assert page.locator("h1").inner_text().startswith("T")
