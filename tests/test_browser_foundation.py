"""In real Chromium: log in as a staff member and open a participant."""

import pytest

from .conftest import browser_login
from .factories import ConsentFactory, ParticipantFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_it_logs_in_as_staff_and_opens_a_participant(page, live_server, owner):
    participant = ParticipantFactory(responsible=owner, first_name="Alva", last_name="Webbtestsson")
    ConsentFactory(participant=participant)

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    page.get_by_role("link", name="Deltagare", exact=True).click()
    page.get_by_role("link", name="Webbtestsson, Alva").click()

    page.get_by_role("heading", name="Alva Webbtestsson").wait_for()
    assert participant.personnummer_display in page.content()
    assert page.get_by_role("link", name="Översikt").get_attribute("aria-current") == "page"
    # The personnummer never travels in a URL.
    assert participant.personnummer not in page.url


def test_it_searches_without_putting_the_term_in_the_url(page, live_server, owner):
    ParticipantFactory(responsible=owner, first_name="Sanna", last_name="Sökbarsson")
    ParticipantFactory(responsible=owner, first_name="Erik", last_name="Annansson")
    browser_login(page, live_server, "owner")
    page.goto(f"{live_server.url}/deltagare/")
    page.get_by_label("Sök på namn eller personnummer").fill("Sökbar")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="Sökbarsson, Sanna").wait_for()
    assert "Annansson" not in page.content()
    assert "Sökbar" not in page.url


def test_it_refuses_a_wrong_password_in_swedish(page, live_server, owner):
    browser_login(page, live_server, "owner", password="fel-lösenord")
    assert "Ange ett korrekt användarnamn och lösenord" in page.content()
