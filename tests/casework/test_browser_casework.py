"""In real Chromium: write a journal note, correct it, and send a flag."""

import re

import pytest

from casework.models import Flag, JournalNote
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# The note's text field (crispy marks required fields with an asterisk).
NOTE = re.compile(r"^\s*Anteckning\*?\s*$")


def test_it_writes_and_corrects_a_note_and_sends_a_flag(page, live_server, owner):
    ensure_reference_data()
    participant = ParticipantFactory(responsible=owner, first_name="Alva", last_name="Journalsson")
    ConsentFactory(participant=participant)
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    journal_tab = page.get_by_role("navigation", name="Deltagarens flikar").get_by_role(
        "link", name="Journal"
    )
    journal_tab.click()
    assert journal_tab.get_attribute("aria-current") == "page"

    page.get_by_text("Skriv anteckning").click()
    page.get_by_label("Journalanteckning").check()
    page.get_by_label(NOTE).fill("Mötet bokat till tisdag.")
    page.get_by_role("button", name="Spara anteckning").click()
    page.get_by_text("Anteckningen är sparad.").wait_for()
    assert page.get_by_text("Mötet bokat till tisdag.").is_visible()

    page.get_by_role("link", name="Rätta").click()
    page.get_by_role("heading", name="Rätta anteckning").wait_for()
    page.get_by_label(NOTE).fill("Mötet bokat till onsdag.")
    page.get_by_role("button", name="Spara rättelse").click()
    page.get_by_text("Rättelsen är sparad.").wait_for()
    assert page.locator("del", has_text="Mötet bokat till tisdag.").is_visible()
    assert page.get_by_text("Mötet bokat till onsdag.").is_visible()
    original, correction = JournalNote.objects.order_by("pk")
    assert correction.corrects_id == original.pk
    assert original.text == "Mötet bokat till tisdag."

    tabs = page.get_by_role("navigation", name="Deltagarens flikar")
    tabs.get_by_role("link", name="Flaggor").click()
    page.get_by_label("Till organisation").select_option(label="Arbetsförmedlingen Eskilstuna")
    page.get_by_label("Anledning").fill("Har börjat praktik.")
    page.get_by_role("button", name="Skapa flagga").click()
    page.get_by_text("Flaggan är skapad.").wait_for()
    page.get_by_role("button", name="Markera som skickad").click()
    page.get_by_text("Flaggan har nu status ”Skickad”.").wait_for()
    flag = Flag.objects.get()
    assert flag.status == Flag.Status.SENT and flag.sent_at is not None
    assert str(participant.personnummer) not in page.url
