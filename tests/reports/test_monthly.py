import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from casework import services as casework
from casework.models import Flag
from casework.services import flag_create
from mapping.models import MoveCategory, StepwiseMove
from participants.models import Participant
from participants.periods import add_months, period_bounds
from rattinsats.models import AuditEvent
from reports.monthly import month_bounds, monthly_report
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, activity, organisation
from tests.job_files import download_via_job

pytestmark = pytest.mark.django_db


def previous_month_start() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture
def month():
    return previous_month_start()


@pytest.fixture
def af(db):
    return organisation("arbetsformedlingen")


@pytest.fixture
def cases(owner, teammate, month, af):
    """Four participants of the owner and one of a teammate, with changes in
    the month before this one."""
    eb = organisation("ekonomiskt_bistand")
    started = ParticipantFactory(
        responsible=owner, first_name="Alva", last_name="Startsson", start_date=month
    )
    ConsentFactory(participant=started, signed_on=month)
    praktik = casework.intervention_create(
        actor=owner,
        participant=started,
        activity=activity("Ordna praktik", "arbete"),
        start_date=month + datetime.timedelta(days=3),
    )
    casework.intervention_update(
        actor=owner,
        intervention=praktik,
        version=1,
        start_date=praktik.start_date,
        end_date=month + datetime.timedelta(days=10),
        notes="",
    )
    to_af = flag_create(actor=owner, participant=started, organisation=af, reason="Praktik klar")
    to_eb = flag_create(actor=owner, participant=started, organisation=eb, reason="Till EB")
    Flag.objects.filter(pk__in=[to_af.pk, to_eb.pk]).update(
        created_at=timezone.make_aware(
            datetime.datetime.combine(month + datetime.timedelta(days=12), datetime.time(10))
        )
    )

    start = add_months(month, -3) + datetime.timedelta(days=5)
    closed = ParticipantFactory(
        responsible=owner, first_name="Erik", last_name="Avslutsson", start_date=start
    )
    ConsentFactory(participant=closed, signed_on=start)
    first, last = period_bounds(start, 1)
    StepwiseMove.objects.create(
        participant=closed,
        period=1,
        period_start=first,
        period_end=last,
        category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
        recorded_at=timezone.now() - datetime.timedelta(days=100),
    )
    Participant.objects.filter(pk=closed.pk).update(
        status=Participant.Status.CLOSED,
        end_date=month + datetime.timedelta(days=20),
        closure_reason="arbete",
        closure_result="extratjanst",
    )

    secret = ParticipantFactory(
        responsible=owner, first_name="Sanna", last_name="Hemligsson", start_date=month
    )
    ConsentFactory(participant=secret, organisations=[eb])  # does not cover the AF
    casework.intervention_create(
        actor=owner,
        participant=secret,
        activity=activity("Inhämta läkarutlåtanden", "formaga"),
        start_date=month + datetime.timedelta(days=1),
    )

    earlier = ParticipantFactory(
        responsible=owner, last_name="Tidigaresson", start_date=add_months(month, -6)
    )
    Participant.objects.filter(pk=earlier.pk).update(
        status=Participant.Status.CLOSED, end_date=month - datetime.timedelta(days=1)
    )
    ParticipantFactory(responsible=teammate, last_name="Andrasson", start_date=month)
    return {"started": started, "closed": closed, "secret": secret}


def query(month, org):
    return {"month": f"{month:%Y-%m}", "organisation": org.pk}


def test_it_collects_the_months_changes_per_participant(owner, cases, month, af):
    report = monthly_report(owner, organisation=af, month=month)
    rows = {row.participant.last_name: row for row in report.rows}
    assert list(rows) == ["Avslutsson", "Hemligsson", "Startsson"]
    started = [(e.kind, e.text) for e in rows["Startsson"].events]
    assert ("Start", "Start i Rätt insats") in started
    assert ("Insats startad", "Insats mot arbete: Ordna praktik") in started
    assert ("Insats avslutad", "Insats mot arbete: Ordna praktik") in started
    assert ("Flagga skapad", "Övrigt: Praktik klar") in started
    assert not any("Till EB" in text for _, text in started)  # flags to others stay out
    closed = [(e.kind, e.text) for e in rows["Avslutsson"].events]
    assert closed == [
        ("Stegvis förflyttning", "Mån 1–3: Praktik/arbetsprövning"),
        ("Avslut", "Arbete: Extratjänst"),
    ]
    assert rows["Hemligsson"].consent_ok is False
    assert rows["Hemligsson"].events == []
    assert [e.day for e in rows["Startsson"].events] == sorted(
        e.day for e in rows["Startsson"].events
    )


def test_it_shows_the_page_and_logs_the_view(owner, cases, month, af):
    client = client_for(owner)
    html = client.get(reverse("reports:monthly"), query(month, af)).content.decode()
    assert "Startsson" in html and "Ordna praktik" in html
    assert "Samtycke saknas" in html and "Hemligsson" in html
    assert "läkarutlåtanden" not in html
    assert "Andrasson" not in html and "Tidigaresson" not in html
    event = AuditEvent.objects.get(object_type="reports.monthly")
    assert event.action == "view" and event.object_id == f"{month:%Y-%m}/{af.pk}"


def test_it_offers_the_previous_month_by_default(owner):
    html = client_for(owner).get(reverse("reports:monthly")).content.decode()
    assert f'value="{previous_month_start():%Y-%m}"' in html
    assert not AuditEvent.objects.filter(object_type="reports.monthly").exists()


def test_it_exports_a_swedish_a4_pdf(owner, cases, month, af):
    response = download_via_job(client_for(owner), reverse("reports:monthly_pdf"), query(month, af))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        f"manadsavstamning-{month:%Y-%m}-arbetsformedlingen.pdf"
        in (response["Content-Disposition"])
    )
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"Månadsavstämning {month:%Y-%m}" in text
    assert "Startsson" in text and "Ordna praktik" in text and "Extratjänst" in text
    # Who takes part without consent is not the organisation's to know.
    assert "Hemligsson" not in text
    assert cases["secret"].personnummer_display not in text
    assert "1 deltagare utan samtycke som omfattar organisationen ingår inte" in text
    assert "läkarutlåtanden" not in text
    assert AuditEvent.objects.filter(
        object_type="reports.monthly", action="export", detail="månadsavstämning pdf"
    ).exists()


def test_it_exports_a_workbook(owner, cases, month, af):
    response = download_via_job(
        client_for(owner), reverse("reports:monthly_xlsx"), query(month, af)
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Personnummer", "Namn", "Ansvarig", "Datum", "Händelse", "Uppgift")
    started = cases["started"]
    mine = [r for r in rows[1:] if r[0] == started.personnummer_display]
    assert ("Insats startad", "Insats mot arbete: Ordna praktik") in [(r[4], r[5]) for r in mine]
    assert all(isinstance(r[3], datetime.datetime) for r in mine)
    # Who takes part without consent is not the organisation's to know:
    # they are only counted, on the last row.
    assert not [r for r in rows if cases["secret"].personnummer_display in r]
    assert not [r for r in rows if "Sanna Hemligsson" in r]
    assert rows[-1] == (
        None,
        None,
        None,
        None,
        "Samtycke saknas",
        "1 deltagare utan samtycke som omfattar organisationen ingår inte.",
    )
    assert AuditEvent.objects.filter(object_type="reports.monthly", action="export").count() == 1


@pytest.mark.parametrize(
    ("month_value", "message"),
    [("2026-13", "Ange månaden som ÅÅÅÅ-MM."), ("", "Ange månad."), ("2999-01", "framtiden")],
)
def test_it_refuses_bad_input_in_swedish(owner, af, month_value, message):
    client = client_for(owner)
    params = {"month": month_value, "organisation": af.pk}
    html = client.get(reverse("reports:monthly"), params).content.decode()
    assert message in html
    assert f'value="{month_value}"' in html or not month_value
    response = client.post(reverse("reports:monthly_pdf"), params)
    assert response.status_code == 400 and message in response.content.decode()
    response = client.post(reverse("reports:monthly_xlsx"), {"month": "2026-01"})
    assert response.status_code == 400 and "Välj organisation." in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="reports.monthly").exists()


def test_it_answers_anonymous_outsiders_and_wrong_methods(client, request, owner, af, month):
    urls = [reverse(n) for n in ("reports:monthly", "reports:monthly_pdf", "reports:monthly_xlsx")]
    for url in urls:
        response = client.get(url, query(month, af))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for role in ["counsellor", "steering", "administrator"]:
        outsider = client_for(request.getfixturevalue(role))
        for url in urls:
            assert outsider.get(url, query(month, af)).status_code == 404
    assert client_for(owner).post(urls[0], query(month, af)).status_code == 405
    for url in urls[1:]:
        assert client_for(owner).delete(url).status_code == 405


def test_it_shows_a_teammate_only_their_own_participants(teammate, cases, month, af):
    html = client_for(teammate).get(reverse("reports:monthly"), query(month, af)).content.decode()
    assert "Andrasson" in html and "Startsson" not in html and "Hemligsson" not in html


# Session, user; the chosen organisation; the month's participants; the
# consents covering the organisation; moves; interventions; flags; the
# unsent flags' count; the VIEW event; the form's organisations; the
# header's task and notification counts and organisation (one query). The
# session is renewed at most once a minute, not written by every page.
MONTHLY_QUERIES = 12
# The export as a background job: the request (session, user, the form's
# organisation, the job's row, its audit event and its task in a savepoint)
# and the job (its row, the user's rights, the report's queries as the
# page's, the file's record).
MONTHLY_EXPORT_QUERIES = 21


@pytest.mark.parametrize("count", [1, 20])
def test_it_keeps_the_query_count(owner, month, af, count, django_assert_num_queries):
    for i in range(count):
        p = ParticipantFactory(responsible=owner, start_date=month)
        ConsentFactory(participant=p, signed_on=month)
        casework.intervention_create(
            actor=owner, participant=p, activity=activity(), start_date=month
        )
        flag_create(actor=owner, participant=p, organisation=af, reason=f"Flagga {i}")
    client = client_for(owner)
    url = reverse("reports:monthly")
    client.get(url, query(month, af))
    with django_assert_num_queries(MONTHLY_QUERIES):
        client.get(url, query(month, af))


@pytest.mark.parametrize("count", [1, 20])
def test_it_keeps_the_export_query_count(owner, month, af, count, django_assert_num_queries):
    for _ in range(count):
        p = ParticipantFactory(responsible=owner, start_date=month)
        ConsentFactory(participant=p, signed_on=month)
        casework.intervention_create(
            actor=owner, participant=p, activity=activity(), start_date=month
        )
    client = client_for(owner)
    url = reverse("reports:monthly_xlsx")
    client.post(url, query(month, af))
    # The button's POST starts the job, which runs at once in the tests:
    # the same number of queries whatever the number of participants.
    with django_assert_num_queries(MONTHLY_EXPORT_QUERIES):
        client.post(url, query(month, af))


def test_it_never_turns_typed_text_into_a_formula(owner, month, af):
    p = ParticipantFactory(responsible=owner, start_date=month)
    ConsentFactory(participant=p, signed_on=month)
    flag = flag_create(actor=owner, participant=p, organisation=af, reason='=HYPERLINK("x")')
    Flag.objects.filter(pk=flag.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(month, datetime.time(9)))
    )
    response = download_via_job(
        client_for(owner), reverse("reports:monthly_xlsx"), query(month, af)
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert len(cells) == 1 and cells[0].data_type == "s"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_it_lists_only_what_happened_in_the_month(owner, month, af):
    """Every event is dated the day it happened, within the month: a flag
    created earlier and sent in the month shows as sent that day, a move
    recorded in the month for an earlier period on the day it was
    recorded; a withdrawn flag never reached the organisation."""
    _first, last = month_bounds(month)
    before = month - datetime.timedelta(days=10)
    p = ParticipantFactory(
        responsible=owner, last_name="Tidigsson", start_date=add_months(month, -4)
    )
    ConsentFactory(participant=p, signed_on=p.start_date)
    earlier = flag_create(actor=owner, participant=p, organisation=af, reason="Från förra månaden")
    casework.flag_send(actor=owner, flag=earlier, via=Flag.SentVia.AIS)
    Flag.objects.filter(pk=earlier.pk).update(
        created_at=at(before), sent_at=at(month + datetime.timedelta(days=4))
    )
    later = flag_create(actor=owner, participant=p, organisation=af, reason="Skickad senare")
    casework.flag_send(actor=owner, flag=later, via=Flag.SentVia.PHONE)
    Flag.objects.filter(pk=later.pk).update(created_at=at(month + datetime.timedelta(days=6)))
    gone = flag_create(actor=owner, participant=p, organisation=af, reason="Återkallad flagga")
    casework.flag_withdraw(actor=owner, flag=gone, reason="Fel")
    Flag.objects.filter(pk=gone.pk).update(created_at=at(month + datetime.timedelta(days=7)))
    first_period = period_bounds(p.start_date, 1)
    StepwiseMove.objects.create(
        participant=p,
        period=1,
        period_start=first_period[0],
        period_end=first_period[1],
        category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
        recorded_at=at(month + datetime.timedelta(days=8)),
    )

    report = monthly_report(owner, organisation=af, month=month)
    (row,) = report.rows
    events = [(e.day, e.kind, e.text) for e in row.events]
    assert events == [
        (
            month + datetime.timedelta(days=4),
            "Flagga skickad",
            "Övrigt: Från förra månaden (via AIS)",
        ),
        (month + datetime.timedelta(days=6), "Flagga skapad", "Övrigt: Skickad senare"),
        (
            month + datetime.timedelta(days=8),
            "Stegvis förflyttning",
            "Mån 1–3: Praktik/arbetsprövning",
        ),
    ]
    assert all(month <= day <= last for day, _kind, _text in events)
    html = client_for(owner).get(reverse("reports:monthly"), query(month, af)).content.decode()
    assert "med det som hände i ärendet under månaden och dagen det hände" in html
    assert "Återkallad flagga" not in html


@pytest.fixture
def unsent(owner, teammate, month, af):
    """Flags to the AF in every state around the month's end: three of them
    unsent when the month ended."""
    _first, last = month_bounds(month)
    after = last + datetime.timedelta(days=1)
    eb = organisation("ekonomiskt_bistand")
    p = ParticipantFactory(responsible=owner, start_date=add_months(month, -2))
    ConsentFactory(participant=p, signed_on=p.start_date)

    def flag(reason, created, organisation=af, participant=p, actor=owner, **moves):
        made = flag_create(
            actor=actor, participant=participant, organisation=organisation, reason=reason
        )
        if "sent" in moves:
            casework.flag_send(actor=actor, flag=made, via=Flag.SentVia.AIS)
        if "withdrawn" in moves:
            casework.flag_withdraw(actor=actor, flag=made, reason="Fel")
        Flag.objects.filter(pk=made.pk).update(
            created_at=at(created),
            sent_at=at(moves["sent"]) if "sent" in moves else None,
            withdrawn_at=at(moves["withdrawn"]) if "withdrawn" in moves else None,
        )

    flag("Oskickad i månaden", month + datetime.timedelta(days=2))
    flag("Oskickad sedan förut", month - datetime.timedelta(days=20))
    flag("Skickad efter månaden", month, sent=after)
    flag("Skickad i månaden", month, sent=month + datetime.timedelta(days=3))
    flag("Återkallad i månaden", month, withdrawn=month + datetime.timedelta(days=3))
    flag("Återkallad efter månaden", month - datetime.timedelta(days=1), withdrawn=after)
    flag("Skapad efter månaden", after)
    flag("Till EB", month, organisation=eb)
    theirs = ParticipantFactory(responsible=teammate, start_date=month)
    ConsentFactory(participant=theirs, signed_on=month)
    flag("Inte min", month, participant=theirs, actor=teammate)
    return 4


def test_it_counts_the_flags_unsent_at_the_months_end(owner, month, af, unsent):
    report = monthly_report(owner, organisation=af, month=month)
    assert report.unsent_flags == unsent
    assert report.unsent_counted_on == month_bounds(month)[1]
    assert report.unsent_flags_line == f"Flaggor som inte skickats: {unsent}"
    client = client_for(owner)
    html = client.get(reverse("reports:monthly"), query(month, af)).content.decode()
    assert f"Flaggor som inte skickats: {unsent}" in html
    assert (
        f"Flaggor till Arbetsförmedlingen Eskilstuna som den {report.unsent_counted_on} var "
        "skapade men varken skickade eller återkallade."
    ) in html

    response = download_via_job(client, reverse("reports:monthly_pdf"), query(month, af))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"Flaggor som inte skickats: {unsent}" in text

    response = download_via_job(client, reverse("reports:monthly_xlsx"), query(month, af))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[-1][4:] == (
        f"Flaggor som inte skickats: {unsent}",
        f"Flaggor till Arbetsförmedlingen Eskilstuna som den {report.unsent_counted_on} var "
        "skapade men varken skickade eller återkallade.",
    )


def test_it_counts_the_running_months_unsent_flags_today(owner, af):
    p = ParticipantFactory(responsible=owner, start_date=timezone.localdate())
    ConsentFactory(participant=p)
    flag_create(actor=owner, participant=p, organisation=af, reason="Ny")
    report = monthly_report(owner, organisation=af, month=timezone.localdate())
    assert (report.unsent_flags, report.unsent_counted_on) == (1, timezone.localdate())
