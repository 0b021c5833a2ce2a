"""The pages agents and supervisors live in, on the demo data, on a desktop (1440×900) and a phone (390×844), in
English and Simplified Chinese (Traditional Chinese and Russian on the desktop): nothing makes the page scroll
sideways, no English label is left in a translated page, the dashboard's charts are drawn. Each page is also saved
as a screenshot under $BROWSER_SHOTS (default /tmp/browser-shots) for people to look at."""
from __future__ import annotations

import re

import pytest

from helpdesk.conversations.models import Conversation
from helpdesk.tickets.models import Ticket
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = (1440, 900), (390, 844)
# Labels of the page chrome that must be translated (stored data — message text, names — stays as written).
ENGLISH_CHROME = re.compile(r"\b(Waiting for an agent|With the bot|Take over|Hand back to bot|Send to customer|"
                            r"Delivery attempts|Tracking|Act for the customer|Reschedule|Comments|History|"
                            r"First response|Complaints by category|Failed deliveries by reason|Export CSV|Log out|"
                            r"Filter|All channels|Customer|Last message|Updated)\b")


@pytest.fixture
def demo(supervisor):
    from django.core.management import call_command

    call_command("seed_demo", shipments=150, verbosity=0)
    conversation = (Conversation.objects.filter(shipments__attempts__isnull=False, messages__isnull=False)
                    .exclude(state="closed").order_by("id").first())
    ticket = Ticket.objects.filter(shipments__isnull=False).order_by("id").first()
    return {"conversation": conversation, "ticket": ticket}


def _pages(demo) -> dict[str, str]:
    return {"inbox": "/inbox/?queue=bot", "conversation": f"/inbox/c/{demo['conversation'].id}/",
            "ticket": f"/inbox/tickets/{demo['ticket'].number}/", "dashboard": "/reports/?from=2000-01-01"}


def _visible_text_outside_data(page) -> str:
    """The page's words without stored data (message bubbles, timeline descriptions, comments, table cells of names)."""
    return page.evaluate("""() => {
        const clone = document.querySelector('main').cloneNode(true);
        clone.querySelectorAll('h1, .msg .text, .timeline, td, dd, p, option, #chart-data, script').forEach(n => n.remove());
        return clone.innerText; }""")


@pytest.mark.parametrize("language,sizes", [
    ("en", [DESKTOP, PHONE]), ("zh-hans", [DESKTOP, PHONE]), ("zh-hant", [DESKTOP]), ("ru", [DESKTOP]),
])
def test_pages_fit_the_screen_and_speak_the_agents_language(browser_context, shot, supervisor, demo, language, sizes,
                                                           helpdesk):
    for width, height in sizes:
        context = browser_context(width=width, height=height, mobile=width < 500)
        context.add_cookies([{"name": "django_language", "value": language, "url": helpdesk}])
        page = context.new_page()
        log_in(page, supervisor.username)
        for name, url in _pages(demo).items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            if name == "dashboard":
                page.wait_for_function("() => document.querySelectorAll('canvas[data-drawn=true]').length >= 6")
            assert page.evaluate("() => document.documentElement.lang") == language
            # Measured against the screen, not the layout viewport (a phone browser widens that to fit the content).
            overflow = page.evaluate("() => document.documentElement.scrollWidth") - width
            if name == "dashboard":
                # Chart.js redraws on resize, and a full-page screenshot resizes: open the window to the whole page.
                page.set_viewport_size({"width": width, "height": page.evaluate("() => document.body.scrollHeight")})
                page.wait_for_timeout(400)
                shot(page, f"{name}-{language}-{width}x{height}", full_page=False)
                page.set_viewport_size({"width": width, "height": height})
            else:
                shot(page, f"{name}-{language}-{width}x{height}")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}×{height} in {language}"
            if width < 500:  # on a phone every card takes the whole width (none squeezed into a sliver)
                narrow = page.evaluate("""(w) => Array.from(document.querySelectorAll('main .card'))
                    .filter(c => c.getClientRects().length > 0 && c.offsetWidth < w / 2).map(c => c.innerText.slice(0, 30))""", width)
                assert narrow == [], f"{name}: squeezed cards at {width}px: {narrow}"
            if language != "en":
                leftovers = ENGLISH_CHROME.findall(_visible_text_outside_data(page))
                assert not leftovers, f"untranslated on the {name} page in {language}: {sorted(set(leftovers))}"
