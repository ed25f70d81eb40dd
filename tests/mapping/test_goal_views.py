"""The goal tab, the stepwise moves and the goal-document overview."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mapping.models import GoalDocument, StepwiseMove
from mapping.services import goal_document_save
from operations.workbook import HEADERS
from participants.services import participant_share
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, StepwiseMoveFactory, move_category
from tests.job_files import download_via_job

# session, user, the filter's staff choices, the user's permission rows
# (counted up to a limit), the page's rows, the row count, the rows (the
# participants with their goal document joined and their consents, their
# moves), and the header counts of tasks and notifications and the user's
# organisation (one query). The session is renewed at most once a minute,
# not written by every page.
OVERVIEW_QUERIES = 9


def goals_url(participant):
    return reverse("mapping:goals", args=[participant.pk])


def move_url(participant):
    return reverse("mapping:move_record", args=[participant.pk])


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.mark.django_db
def test_it_redirects_anonymous_users_to_login(client, participant):
    for target in (
        goals_url(participant),
        reverse("mapping:overview"),
        reverse("operations:goal_document_export"),
        reverse("operations:goal_document_import"),
    ):
        response = client.get(target)
        assert response.status_code == 302, target
        assert response.url.startswith(reverse("login"))
    assert client.post(move_url(participant)).status_code == 302


@pytest.mark.parametrize("role", ["teammate", "counsellor", "steering", "administrator", "officer"])
def test_it_answers_404_to_users_without_rights(request, role, participant):
    client = client_for(request.getfixturevalue(role))
    assert client.get(goals_url(participant)).status_code == 404
    assert client.post(goals_url(participant), {"version": 0, "goal": "x"}).status_code == 404
    response = client.post(
        move_url(participant), {"period": 1, "category": move_category("praktik_arbetsprovning").pk}
    )
    assert response.status_code == 404
    assert not GoalDocument.objects.exists() and not StepwiseMove.objects.exists()
    assert AuditEvent.objects.filter(action="denied").exists()


@pytest.mark.parametrize("role", ["counsellor", "steering", "administrator"])
def test_it_hides_the_overview_from_other_roles(request, role):
    client = client_for(request.getfixturevalue(role))
    for name in (
        "mapping:overview",
        "operations:goal_document_export",
        "operations:goal_document_import",
    ):
        assert client.get(reverse(name)).status_code == 404


def test_it_answers_405_to_wrong_methods(owner_client, participant):
    assert owner_client.get(move_url(participant)).status_code == 405
    assert owner_client.delete(goals_url(participant)).status_code == 405
    assert owner_client.post(reverse("mapping:overview")).status_code == 405
    assert owner_client.delete(reverse("operations:goal_document_export")).status_code == 405
    assert owner_client.delete(reverse("operations:goal_document_import")).status_code == 405


def test_it_shows_the_eight_periods_with_dates_and_the_current_one(owner):
    participant = ParticipantFactory(responsible=owner, start_date=datetime.date(2026, 1, 31))
    html = client_for(owner).get(goals_url(participant)).content.decode()
    assert "Mål och stegvisa förflyttningar" in html
    for label in ("Mån 1–3", "Mån 4–6", "Mån 13–15", "Mån 22–24"):
        assert label in html
    assert "2026-01-31–2026-04-29" in html  # period 1
    assert "2026-04-30–2026-07-30" in html  # period 2
    assert 'aria-current="true"' in html


def test_it_records_a_move_for_the_current_period(owner_client, owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(100))
    category = move_category("praktik_arbetsprovning")
    response = owner_client.post(
        move_url(participant), {"period": 2, "category": category.pk, "note": "Praktik på lager"}
    )
    assert response.status_code == 302
    move = StepwiseMove.objects.get()
    assert (move.period, move.category, move.note) == (2, category, "Praktik på lager")
    html = owner_client.get(goals_url(participant)).content.decode()
    assert "Praktik på lager" in html
    assert "Förflyttning period 2: Praktik/arbetsprövning" in html


def test_it_refuses_a_move_in_a_future_period_in_swedish(owner_client, owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(10))
    response = owner_client.post(
        move_url(participant),
        {"period": 3, "category": move_category("praktik_arbetsprovning").pk, "note": "Behålls"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Perioden kan inte väljas." in html
    assert "Behålls" in html
    assert not StepwiseMove.objects.exists()


def test_it_refuses_a_move_without_category_in_swedish(owner_client, participant):
    response = owner_client.post(move_url(participant), {"period": 1, "note": "Kvar"})
    assert response.status_code == 200
    assert "Välj en kategori." in response.content.decode()
    assert not StepwiseMove.objects.exists()


def test_it_requires_the_reason_for_continuing_on_the_page(owner_client, owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(400))
    response = owner_client.post(
        move_url(participant),
        {"period": 5, "category": move_category("arbets_studieformaga").pk},
    )
    assert response.status_code == 200
    assert "En motivering till fortsättning krävs" in response.content.decode()
    assert not StepwiseMove.objects.exists()


def test_it_revises_the_goal_document(owner_client, participant):
    response = owner_client.post(
        goals_url(participant),
        {
            "version": 0,
            "goal": "Arbete som busschaufför",
            "delmal_1": "Ta körkort",
            "delmal_1_status": "uppnatt",
            "delmal_2": "Söka tre jobb i veckan",
            "employment_subsidy": "Nystartsjobb",
            "consent_renewal_on": "2027-03-01",
        },
    )
    assert response.status_code == 302
    document = GoalDocument.objects.get()
    assert document.delmal_1_status == "uppnatt"
    assert document.delmal_2_status == "pagaende"
    assert document.consent_renewal_on == datetime.date(2027, 3, 1)
    html = owner_client.get(goals_url(participant)).content.decode()
    assert "Uppnått" in html and "Söka tre jobb i veckan" in html
    assert "Version 1" in html


def test_it_refuses_bad_goal_input_in_swedish_and_keeps_it(owner_client, participant):
    response = owner_client.post(
        goals_url(participant),
        {
            "version": 0,
            "goal": "Behålls",
            "delmal_3_status": "uppnatt",
            "consent_renewal_on": "2027-02-30",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv delmålet eller ta bort dess status." in html
    assert "Fyll i ett giltigt datum." in html
    assert "Behålls" in html
    assert not GoalDocument.objects.exists()


def test_it_refuses_the_second_of_two_concurrent_saves(owner, teammate, participant):
    participant_share(actor=owner, participant=participant, user=teammate)
    first, second = client_for(owner), client_for(teammate)
    # Both open the page at version 0.
    assert 'name="version" value="0"' in first.get(goals_url(participant)).content.decode()
    assert 'name="version" value="0"' in second.get(goals_url(participant)).content.decode()
    assert (
        first.post(goals_url(participant), {"version": 0, "goal": "Ägarens mål"}).status_code == 302
    )
    response = second.post(goals_url(participant), {"version": 0, "goal": "Kollegans mål"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Måldokumentet har ändrats av" in html
    assert "Ingenting är sparat" in html
    assert "Kollegans mål" in html  # the input is kept
    assert 'name="version" value="1"' in html
    assert GoalDocument.objects.get().goal == "Ägarens mål"


def test_it_lists_the_goal_document_overview(owner, teammate, django_assert_num_queries):
    mine = ParticipantFactory(responsible=owner, start_date=days_ago(100))
    ConsentFactory(participant=mine, valid_until=datetime.date(2027, 5, 1))
    goal_document_save(actor=owner, participant=mine, version=0, goal="Mitt mål", other="Notis")
    StepwiseMoveFactory(participant=mine, period=1)
    theirs = ParticipantFactory(responsible=teammate)
    client = client_for(owner)
    client.get(reverse("mapping:overview"))
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("mapping:overview"))
    html = response.content.decode()
    for header in HEADERS:
        assert f">{header}</th>" in html
    assert mine.full_name in html and theirs.full_name not in html
    assert mine.personnummer_masked in html and mine.personnummer_display not in html
    assert "Mitt mål" in html and "Notis" in html and "Praktik/arbetsprövning" in html
    assert "2027-05-01" in html
    assert "Exportera till Excel" in html and "Importera" in html


def test_it_keeps_the_overview_query_count_when_rows_grow(owner, django_assert_num_queries):
    category = move_category("arbets_studieformaga")
    for i in range(30):
        p = ParticipantFactory(responsible=owner, start_date=days_ago(300))
        ConsentFactory(participant=p)
        GoalDocument.objects.create(participant=p, goal=f"Mål {i}")
        for k in (1, 2, 3):
            StepwiseMoveFactory(participant=p, period=k, category=category)
    client = client_for(owner)
    client.get(reverse("mapping:overview"))
    with django_assert_num_queries(OVERVIEW_QUERIES):
        client.get(reverse("mapping:overview"))


def test_it_filters_by_responsible_and_status(owner, teammate):
    active = ParticipantFactory(responsible=owner, last_name="Aktivsson")
    closed = ParticipantFactory(responsible=owner, last_name="Avslutsson")
    closed.status, closed.end_date = "avslutad", closed.start_date
    closed.save()
    shared = ParticipantFactory(responsible=teammate, last_name="Deladsson")
    participant_share(actor=teammate, participant=shared, user=owner)
    client = client_for(owner)
    html = client.get(reverse("mapping:overview"), {"status": "avslutad"}).content.decode()
    assert "Avslutsson" in html and "Aktivsson" not in html and "Deladsson" not in html
    html = client.get(reverse("mapping:overview"), {"responsible": teammate.pk}).content.decode()
    assert "Deladsson" in html and "Aktivsson" not in html
    # The export (a background job) follows the same filters.
    response = download_via_job(
        client, reverse("operations:goal_document_export"), {"responsible": teammate.pk}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [shared.full_name]
    assert active.pk


def test_it_downloads_the_workbook_and_audits_one_export(owner, participant):
    goal_document_save(actor=owner, participant=participant, version=0, goal="Exportmål")
    response = download_via_job(client_for(owner), reverse("operations:goal_document_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert participant.personnummer not in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][0] == participant.personnummer_display
    assert rows[1][7] == "Exportmål"
    assert AuditEvent.objects.filter(action="export").count() == 1
