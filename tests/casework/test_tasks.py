import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services as casework
from casework.models import Flag
from casework.selectors import reminders_for
from casework.services import flag_create
from mapping.models import MoveCategory, StepwiseMove
from participants.models import Task
from participants.periods import add_months, period_bounds
from participants.services import task_create
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data, organisation

pytestmark = pytest.mark.django_db


def record_move(participant, k):
    ensure_reference_data()
    first, last = period_bounds(participant.start_date, k)
    return StepwiseMove.objects.create(
        participant=participant,
        period=k,
        period_start=first,
        period_end=last,
        category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
    )


def test_it_reminds_of_consents_to_renew(owner, settings):
    settings.RATTINSATS_CONSENT_RENEWAL_DAYS = 30
    today = timezone.localdate()
    missing = ParticipantFactory(responsible=owner, last_name="Utansson")
    ending = ParticipantFactory(responsible=owner, last_name="Snartsson")
    ConsentFactory(participant=ending, valid_until=today + datetime.timedelta(days=10))
    fine = ParticipantFactory(responsible=owner, last_name="Giltigsson")
    ConsentFactory(participant=fine, valid_until=today + datetime.timedelta(days=200))
    expired = ParticipantFactory(responsible=owner, last_name="Gammalsson")
    ConsentFactory(
        participant=expired,
        signed_on=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=1),
    )
    reminders = reminders_for(owner, today)["consents"]
    by_name = {r.participant.last_name: r for r in reminders}
    assert set(by_name) == {"Utansson", "Snartsson", "Gammalsson"}
    assert by_name["Snartsson"].due_on == today + datetime.timedelta(days=10)
    assert by_name["Utansson"].due_on is None
    assert by_name["Utansson"].url == reverse("participants:consents", args=[missing.pk])


def test_it_reminds_of_ended_periods_without_a_move(owner):
    today = timezone.localdate()
    start = add_months(today, -7)
    participant = ParticipantFactory(responsible=owner, start_date=start)
    ConsentFactory(participant=participant)
    record_move(participant, 1)
    periods = reminders_for(owner, today)["periods"]
    # Period 1 has its move, period 2 ended without one, period 3 is running.
    assert [r.text for r in periods] == ["Ingen stegvis förflyttning för Mån 4–6"]
    assert periods[0].due_on == period_bounds(start, 2)[1]


def test_it_lists_open_flags_and_only_my_participants(owner, teammate):
    eb = organisation("ekonomiskt_bistand")
    mine = ParticipantFactory(responsible=owner)
    ConsentFactory(participant=mine)
    flag_create(actor=owner, participant=mine, organisation=eb, reason="Öppen")
    sent = flag_create(actor=owner, participant=mine, organisation=eb, reason="Skickad")
    casework.flag_set_status(actor=owner, flag=sent, status=Flag.Status.SENT)
    theirs = ParticipantFactory(responsible=teammate)
    flag_create(
        actor=teammate,
        participant=ConsentFactory(participant=theirs).participant,
        organisation=eb,
        reason="Inte min",
    )
    reminders = reminders_for(owner, timezone.localdate())
    assert len(reminders["flags"]) == 1
    assert reminders["flags"][0].participant == mine
    assert all(r.participant != theirs for r in reminders["consents"])


def close(participant, closed_on=None):
    from closure.models import EmploymentStatus, IncomeSource
    from closure.services import participant_close
    from participants.models import ClosureReason, ClosureResult

    return participant_close(
        actor=participant.responsible,
        participant=participant,
        closed_on=closed_on or timezone.localdate(),
        reason=ClosureReason.WORK,
        result=ClosureResult.NYSTARTSJOBB,
        employment_status=EmploymentStatus.PAID_WORK,
        income_source=IncomeSource.SALARY,
    )


def test_it_lists_every_flag_to_send_closed_participations_included(owner, teammate):
    closed = ParticipantFactory(responsible=owner, last_name="Avslutsson")
    ConsentFactory(participant=closed)
    closure = close(closed)
    sent = closure.flags.get(organisation__kind="arbetsformedlingen")
    casework.flag_send(actor=owner, flag=sent, via=Flag.SentVia.AIS)
    theirs = ParticipantFactory(responsible=teammate)
    ConsentFactory(participant=theirs)
    close(theirs)

    flags = reminders_for(owner, timezone.localdate())["flags"]
    assert sorted(r.text for r in flags) == [
        "Avslut → Eskilstuna kommun – Ekonomiskt bistånd",
        "Avslut → Eskilstuna kommun – JobbCentrum",
    ]
    assert all(r.participant == closed for r in flags)
    assert flags[0].url == reverse("casework:participant_flags", args=[closed.pk])
    # The closed participation asks for no consent renewal nor moves.
    reminders = reminders_for(owner, timezone.localdate())
    assert reminders["consents"] == reminders["periods"] == []
    html = client_for(owner).get(reverse("casework:tasks")).content.decode()
    assert html.count("Avslut → Eskilstuna kommun") == 2
    assert "Avslutsson" in html


def test_it_leaves_out_withdrawn_and_sent_flags(owner, participant):
    ConsentFactory(participant=participant)
    eb = organisation("ekonomiskt_bistand")
    gone = flag_create(actor=owner, participant=participant, organisation=eb, reason="Fel")
    casework.flag_withdraw(actor=owner, flag=gone, reason="Skapad av misstag")
    done = flag_create(actor=owner, participant=participant, organisation=eb, reason="Klar")
    casework.flag_send(actor=owner, flag=done, via=Flag.SentVia.VIVA)
    casework.flag_acknowledge(actor=owner, flag=done)
    assert reminders_for(owner, timezone.localdate())["flags"] == []
    html = client_for(owner).get(reverse("casework:tasks")).content.decode()
    assert "Inga flaggor att skicka." in html


def test_it_shows_reminders_and_follow_ups_on_the_page(owner, participant):
    task_create(
        assignee=owner,
        kind=Task.Kind.FOLLOW_UP,
        participant=participant,
        due_on=timezone.localdate(),
    )
    task_create(assignee=owner, kind=Task.Kind.BOOK_MAPPING, participant=participant)
    html = client_for(owner).get(reverse("casework:tasks")).content.decode()
    follow_ups = html.index('<h2 class="h4 mt-4">Uppföljningar</h2>')
    assert (
        html.index("Boka kartläggningsmöte") < follow_ups < html.index("Uppföljning efter avslut")
    )
    assert "Samtycken att förnya" in html and "Inget giltigt samtycke" in html
    assert "Perioder utan stegvis förflyttning" in html
    assert "Flaggor att skicka" in html


# Session, user; open tasks with participants; notifications; my
# participants with their consent's end; the recorded moves; the open flags;
# the header's task count, notification count and organisation (one query).
# The session is renewed at most once a minute, not written by every page.
TASK_PAGE_QUERIES = 8


@pytest.mark.parametrize("count", [1, 25])
def test_it_keeps_the_task_page_query_count(owner, count, django_assert_num_queries):
    today = timezone.localdate()
    eb = organisation("ekonomiskt_bistand")
    for i in range(count):
        p = ParticipantFactory(responsible=owner, start_date=add_months(today, -7))
        if i % 2:
            ConsentFactory(participant=p, valid_until=today + datetime.timedelta(days=5))
            flag_create(actor=owner, participant=p, organisation=eb, reason="Start")
        record_move(p, 1)
        task_create(assignee=owner, kind=Task.Kind.FOLLOW_UP, participant=p, due_on=today)
    # As many closed participations, each with its three closure flags to send.
    for _ in range(count):
        closed = ParticipantFactory(responsible=owner, start_date=add_months(today, -2))
        ConsentFactory(participant=closed)
        close(closed)
    client = client_for(owner)
    url = reverse("casework:tasks")
    client.get(url)
    with django_assert_num_queries(TASK_PAGE_QUERIES):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("Mån 4–6") == count
    assert html.count("Avslut → ") == 3 * count
    assert html.count("Övrigt → ") == count // 2


def test_it_puts_a_csrf_token_in_every_task_form(owner, participant):
    from tests.casework.test_flags import every_post_form_has_a_csrf_token

    task_create(assignee=owner, kind=Task.Kind.FOLLOW_UP, participant=participant)
    task_create(assignee=owner, kind=Task.Kind.OTHER, participant=participant)
    html = client_for(owner).get(reverse("casework:tasks")).content.decode()
    assert every_post_form_has_a_csrf_token(html)
