"""In Chromium: a journal note written while the session ran out is not
lost, and a warning comes before the idle timeout."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from casework.models import JournalNote
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Samtal om praktikplats hos Verkstadsbolaget; uppföljning nästa vecka."


def test_a_note_sent_after_the_session_ended_comes_back_after_the_login(page, live_server, owner):
    participant = ParticipantFactory(responsible=owner)
    ConsentFactory(participant=participant)
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra", level=1).wait_for()
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/journal/")
    page.get_by_text("Skriv anteckning").click()
    page.get_by_role("textbox", name=re.compile(r"^Anteckning")).fill(NOTE)

    Session.objects.all().delete()  # the session ends on the server
    page.get_by_role("button", name="Spara anteckning").click()

    page.get_by_role("heading", name="Logga in").wait_for()
    expect(page.get_by_role("status")).to_contain_text("Logga in igen")
    assert "Verkstadsbolaget" not in page.url
    assert not JournalNote.objects.exists()
    page.get_by_label("Användarnamn").fill("owner")
    page.get_by_label("Lösenord").fill("Testlösenord-123")
    page.get_by_role("button", name="Logga in").click()

    page.wait_for_url(re.compile(rf"/deltagare/{participant.pk}/journal/\?utkast="))
    expect(page.get_by_role("textbox", name=re.compile(r"^Anteckning"))).to_have_value(NOTE)
    expect(page.get_by_role("status")).to_contain_text(
        "Dina ändringar är inte sparade ännu – granska och spara."
    )
    assert not JournalNote.objects.exists()
    page.get_by_role("button", name="Spara anteckning").click()
    expect(page.get_by_role("status")).to_contain_text("Anteckningen är sparad.")
    assert JournalNote.objects.get().text == NOTE


def test_a_warning_comes_before_the_idle_timeout_and_keeps_the_session(page, live_server, owner):
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra", level=1).wait_for()
    page.clock.install()
    page.goto(f"{live_server.url}/aviseringar/")
    dialog = page.get_by_role("alertdialog", name="Du loggas snart ut")
    expect(dialog).to_be_hidden()

    page.clock.run_for("27:00")
    expect(dialog).to_be_hidden()
    page.clock.run_for("01:05")  # two minutes before the 30
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("loggas ut om ungefär 2 minuter")
    stay = dialog.get_by_role("button", name="Förbli inloggad")
    expect(stay).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/konto/hall-inloggad/")) as answer:
        stay.click()
    assert answer.value.status == 204
    expect(dialog).to_be_hidden()
    # The count starts again from the renewal.
    page.clock.run_for("27:00")
    expect(dialog).to_be_hidden()


def test_when_the_time_is_up_the_dialog_says_so(page, live_server, owner):
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra", level=1).wait_for()
    page.clock.install()
    page.goto(f"{live_server.url}/aviseringar/")
    page.clock.run_for("30:01")
    dialog = page.get_by_role("alertdialog", name="Du har loggats ut")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Förbli inloggad")).to_be_hidden()
    dialog.get_by_role("button", name="Stäng").click()
    expect(dialog).to_be_hidden()
