"""The participant's Översikt: the case at a glance, from every part of it,
in a number of queries that does not grow with the case."""

import datetime

import pytest
from django.utils import timezone

from casework import services as casework
from casework.models import Flag, InterventionActivity, JournalNote
from closure.models import EmploymentStatus, IncomeSource
from closure.services import participant_close
from mapping.models import GoalDocument, StepwiseMove
from participants.models import ClosureReason, ClosureResult, Task
from participants.periods import period_bounds, period_of
from participants.services import task_create
from rattinsats.models import Organisation

from ..conftest import client_for
from ..factories import (
    ConsentFactory,
    ParticipantFactory,
    ensure_reference_data,
    move_category,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(owner):
    """A participation half a year in, with something in every part."""
    ensure_reference_data()
    today = timezone.localdate()
    participant = ParticipantFactory(
        responsible=owner, start_date=today - datetime.timedelta(days=200)
    )
    ConsentFactory(participant=participant, valid_until=today + datetime.timedelta(days=20))
    GoalDocument.objects.create(
        participant=participant,
        goal="Arbete inom lager och logistik",
        delmal_1="Truckkort",
        delmal_1_status="uppnatt",
        delmal_2="Praktik på lager",
        delmal_2_status="pagaende",
    )
    return participant


def _activity(name: str) -> InterventionActivity:
    return InterventionActivity.objects.get_or_create(track="arbete", name=name)[0]


def _fill(participant, owner, n):
    """``n`` journal notes, interventions in progress and flags to send."""
    today = timezone.localdate()
    eb = Organisation.objects.get(kind="ekonomiskt_bistand")
    for i in range(n):
        casework.journal_note_create(
            actor=owner,
            participant=participant,
            kind=JournalNote.Kind.JOURNAL,
            happened_on=today - datetime.timedelta(days=i),
            text=f"Anteckning nummer {i}",
        )
        casework.intervention_create(
            actor=owner,
            participant=participant,
            activity=_activity(f"Aktivitet {i}"),
            start_date=today - datetime.timedelta(days=10 + i),
        )
        casework.flag_create(actor=owner, participant=participant, organisation=eb, reason="Info")


def test_it_shows_the_case_at_a_glance(owner, case):
    today = timezone.localdate()
    _fill(case, owner, 4)
    ended = _activity("Avslutad aktivitet")
    casework.intervention_create(
        actor=owner,
        participant=case,
        activity=ended,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=50),
    )
    task_create(assignee=owner, kind=Task.Kind.BOOK_MAPPING, participant=case, due_on=today)

    page = client_for(owner).get(f"/deltagare/{case.pk}/").content.decode()

    assert "Arbete inom lager och logistik" in page
    assert "Truckkort" in page and "Uppnått" in page
    assert "Praktik på lager" in page and "Pågående" in page
    period = period_of(case.start_date, today)
    assert f"Mån {3 * period - 2}–{3 * period}" in page
    assert "Ingen förflyttning registrerad för perioden" in page
    # The latest three notes, newest first; the oldest is left out.
    assert page.index("Anteckning nummer 0") < page.index("Anteckning nummer 2")
    assert "Anteckning nummer 3" not in page
    assert "Aktivitet 3" in page and "Avslutad aktivitet" not in page
    assert page.count("Övrigt → Eskilstuna kommun – Ekonomiskt bistånd") == 4
    assert "Boka kartläggningsmöte" in page
    renew_from = case.consents.get().valid_until - datetime.timedelta(days=30)
    assert renew_from.isoformat() in page and "Ska förnyas" in page


def test_it_shows_the_move_of_the_current_period(owner, case):
    today = timezone.localdate()
    period = period_of(case.start_date, today)
    first, last = period_bounds(case.start_date, period)
    StepwiseMove.objects.create(
        participant=case,
        period=period,
        period_start=first,
        period_end=last,
        category=move_category("praktik_arbetsprovning"),
    )
    page = client_for(owner).get(f"/deltagare/{case.pk}/").content.decode()
    assert "Förflyttning registrerad:" in page
    assert "Ingen förflyttning registrerad för perioden" not in page


def test_it_shows_the_next_follow_up_after_a_closure_for_work(owner, case):
    today = timezone.localdate()
    participant_close(
        actor=owner,
        participant=case,
        closed_on=today,
        reason=ClosureReason.WORK,
        result=ClosureResult.NYSTARTSJOBB,
        employment_status=EmploymentStatus.SUBSIDISED_WORK,
        income_source=IncomeSource.SALARY,
    )
    due = Task.objects.get(participant=case, kind=Task.Kind.FOLLOW_UP).due_on
    page = client_for(owner).get(f"/deltagare/{case.pk}/").content.decode()
    assert f"Nästa uppföljning: senast {due.isoformat()}." in page
    # The closure's flags wait to be sent.
    assert Flag.objects.filter(participant=case).exists()
    assert "Avslut → " in page


def test_its_query_count_does_not_grow_with_the_case(owner, case, django_assert_num_queries):
    client = client_for(owner)
    _fill(case, owner, 1)
    client.get(f"/deltagare/{case.pk}/")  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(f"/deltagare/{case.pk}/")
    _fill(case, owner, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(f"/deltagare/{case.pk}/")
    assert response.status_code == 200
    # The budget of the whole page, sections included.
    assert len(small.captured_queries) <= 22
