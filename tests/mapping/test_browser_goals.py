"""In real Chromium: record a stepwise move and revise a sub-goal."""

import datetime

import pytest
from django.utils import timezone

from mapping.models import GoalDocument, StepwiseMove
from mapping.services import goal_document_save
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_it_records_a_move_and_revises_a_sub_goal(page, live_server, owner):
    ensure_reference_data()
    participant = ParticipantFactory(
        responsible=owner,
        first_name="Maja",
        last_name="Webbmålsson",
        start_date=timezone.localdate() - datetime.timedelta(days=100),
    )
    ConsentFactory(participant=participant)
    goal_document_save(
        actor=owner,
        participant=participant,
        version=0,
        goal="Arbete inom handel",
        delmal_1="Gå ut på en promenad varje dag",
        delmal_1_status="pagaende",
    )

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    page.get_by_role("link", name="Måldokument", exact=True).click()
    page.get_by_role("heading", name="Måldokument").wait_for()
    page.get_by_role("link", name="Maja Webbmålsson").click()
    page.get_by_role("heading", name="Mål och stegvisa förflyttningar").wait_for()

    # Period 2 is the current one and is chosen already.
    assert page.get_by_role("combobox", name="Period").input_value() == "2"
    page.get_by_role("combobox", name="Kategori").select_option(label="Praktik/arbetsprövning")
    page.get_by_role("textbox", name="Kommentar").fill("Praktik i butik två dagar i veckan")
    page.get_by_role("button", name="Registrera förflyttning").click()
    page.get_by_text("Förflyttningen för Mån 4–6 är registrerad.").wait_for()
    assert page.get_by_role("row", name="Mån 4–6").get_by_text("Praktik/arbetsprövning").count()

    page.get_by_role("combobox", name="Status för delmål 1").select_option(label="Uppnått")
    page.get_by_role("textbox", name="Delmål 2", exact=True).fill("Söka tre jobb i veckan")
    page.get_by_role("button", name="Spara måldokumentet").click()
    page.get_by_text("Måldokumentet är sparat.").wait_for()
    assert "Uppnått" in page.get_by_role("region", name="Mål och delmål").inner_text()
    assert "Version 2" in page.content()

    move = StepwiseMove.objects.get(participant=participant)
    assert (move.period, move.category.code) == (2, "praktik_arbetsprovning")
    document = GoalDocument.objects.get(participant=participant)
    assert document.delmal_1_status == "uppnatt"
    assert document.delmal_2 == "Söka tre jobb i veckan"
    assert document.version == 2
    assert participant.personnummer not in page.url
