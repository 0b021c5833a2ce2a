"""In a real browser: an agent logs a phone call and lands on its conversation; the recipient's phone and address
are masked in the shipment panel, an agent has no way to show them, a supervisor shows them with a reason and the
reason appears in the reports' unmask audit."""
from __future__ import annotations

import pytest
from django.utils import timezone

from helpdesk.calls.models import PhoneCall
from helpdesk.privacy.models import UnmaskEvent
from tests.browser.conftest import log_in
from tests.factories import AgentFactory, ConversationFactory, ShipmentFactory, TrackingEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "+8613912345678"
ADDRESS = "Flat 1201, 88 Lujiazui Ring Road"


def test_agent_logs_a_phone_call_linked_to_a_shipment(page, shot, agent):
    shipment = ShipmentFactory(recipient_phone=PHONE, address=ADDRESS)
    log_in(page, agent.username)
    page.click("nav a[href='/inbox/calls/new/']")
    page.wait_for_url("**/inbox/calls/new/")
    page.select_option("#direction", "inbound")
    page.fill("#caller_number", "139 1234 5678")
    page.fill("#minutes", "4")
    page.fill("#seconds", "5")
    page.select_option("#outcome", "callback")
    page.fill("#tracking_numbers", shipment.tracking_number)
    page.fill("#notes", "Recipient away until Friday; call back after 18:00.")
    shot(page, "phone-call-form")
    page.click("[data-testid=call-form] button[type=submit]")
    page.wait_for_url("**/inbox/c/*/")
    card = page.locator("[data-testid=phone-call]")
    card.wait_for()
    assert card.locator("[data-testid=call-duration]").inner_text() == "4:05"
    assert card.locator("[data-testid=call-outcome]").inner_text() == "Call back needed"
    assert "call back after 18:00" in card.locator("[data-testid=call-notes]").inner_text()
    body = page.locator("body").inner_text()
    assert "•••• 5678" in body and "12345678" not in body and "Lujiazui" not in body
    assert page.locator(f".shipment[data-tracking='{shipment.tracking_number}']").is_visible()
    assert page.locator("[data-unmask]").count() == 0  # an agent's role may not unmask (default roles)
    shot(page, "phone-call-conversation")
    call = PhoneCall.objects.get()
    assert (call.direction, call.outcome, call.duration_seconds, call.caller_number) == ("inbound", "callback", 245, PHONE)
    assert list(call.conversation.shipments.all()) == [shipment] and call.conversation.channel == "phone"


def test_supervisor_shows_phone_and_address_with_a_reason_and_sees_it_in_the_audit(page, shot, team):
    supervisor = AgentFactory(username="sam", profile__role="supervisor", profile__team=team)
    shipment = ShipmentFactory(recipient_phone=PHONE, address=ADDRESS, postcode="200120")
    TrackingEventFactory(shipment=shipment)
    convo = ConversationFactory(channel="webchat", team=team, last_message_at=timezone.now())
    convo.shipments.add(shipment)
    log_in(page, supervisor.username, next_url=f"/inbox/c/{convo.pk}/")
    panel = page.locator(f".shipment[data-tracking='{shipment.tracking_number}']")
    phone = panel.locator("[data-personal=recipient_phone]")
    assert phone.inner_text() == "•••• 5678"
    assert panel.locator("[data-personal=address]").inner_text() == "••••"
    panel.locator("details.unmask summary").click()
    panel.locator("form[data-unmask] button").click()  # no reason: the browser refuses to send
    assert not UnmaskEvent.objects.exists() and phone.inner_text() == "•••• 5678"
    panel.locator("input[name=reason]").fill("Courier at the door, nobody answers")
    panel.locator("form[data-unmask] button").click()
    page.wait_for_function("() => document.querySelector('[data-personal=recipient_phone]').textContent.includes('+86')")
    assert phone.inner_text() == PHONE
    assert panel.locator("[data-personal=address]").inner_text() == f"{ADDRESS} 200120"
    assert "Shown; your reason was logged." in panel.inner_text()
    shot(page, "unmasked-with-reason")
    event = UnmaskEvent.objects.get()
    assert (event.viewer_username, event.tracking_number, event.reason, event.via) == (
        "sam", shipment.tracking_number, "Courier at the door, nobody answers", "agent_ui")

    page.reload()  # unmasking is for that one look: the page is masked again
    assert page.locator("[data-personal=recipient_phone]").inner_text() == "•••• 5678"

    page.goto("/reports/")
    audit = page.locator("#unmask-audit")
    audit.scroll_into_view_if_needed()
    row = audit.locator("[data-testid=unmask-row]")
    assert row.count() == 1
    assert "Courier at the door, nobody answers" in row.inner_text() and shipment.tracking_number in row.inner_text()
    shot(page, "reports-unmask-audit")
    with page.expect_download() as download:
        audit.locator("a", has_text="CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Courier at the door, nobody answers" in text and PHONE not in text and "Lujiazui" not in text
