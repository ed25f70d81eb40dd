"""In real Chromium: the Översikt tab shows the case at a glance."""

import datetime

import pytest
from django.utils import timezone

from casework import services as casework
from casework.models import JournalNote
from mapping.models import GoalDocument
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_overview_shows_goal_period_notes_flags_and_consent(page, live_server, owner):
    ensure_reference_data()
    today = timezone.localdate()
    participant = ParticipantFactory(
        responsible=owner,
        first_name="Vera",
        last_name="Översiktsson",
        start_date=today - datetime.timedelta(days=40),
    )
    ConsentFactory(participant=participant, valid_until=today + datetime.timedelta(days=90))
    GoalDocument.objects.create(
        participant=participant,
        goal="Undersköterska",
        delmal_1="Svenska B",
        delmal_1_status="pagaende",
    )
    casework.journal_note_create(
        actor=owner,
        participant=participant,
        kind=JournalNote.Kind.DAY,
        happened_on=today,
        text="Ringde om praktikplats.",
    )

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")

    tabs = page.get_by_role("navigation", name="Deltagarens flikar")
    assert tabs.get_by_role("link", name="Översikt").get_attribute("aria-current") == "page"
    goals = page.get_by_role("region", name="Mål och stegvis förflyttning")
    assert goals.get_by_text("Undersköterska").is_visible()
    assert goals.get_by_text("Svenska B").is_visible()
    assert goals.get_by_text("Mån 1–3").is_visible()
    assert goals.get_by_text("Ingen förflyttning registrerad för perioden").is_visible()
    notes = page.get_by_role("region", name="Senaste anteckningar")
    assert notes.get_by_text("Ringde om praktikplats.").is_visible()
    consent = page.get_by_role("region", name="Samtycke och uppgifter")
    renew = (today + datetime.timedelta(days=60)).isoformat()
    assert consent.get_by_text(renew).is_visible()

    notes.get_by_role("link", name="Till journalen").click()
    page.get_by_role("heading", name="Journal").first.wait_for()
    assert page.url.endswith(f"/deltagare/{participant.pk}/journal/")
