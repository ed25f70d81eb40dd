"""The goal-document workbook: export, import, every error class of the
import and the export → import → export round trip."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from mapping.columns import HEADERS, MOVE_HEADERS
from mapping.models import GoalDocument, GoalDocumentRevision, StepwiseMove
from mapping.services import goal_document_save, move_record
from operations.workbook import SYSTEM_USERNAME, export_workbook, import_workbook
from participants.models import Participant
from participants.periods import add_months
from participants.selectors import participants_visible_to
from rattinsats import testnumbers
from rattinsats.models import AuditEvent, Role, User
from rattinsats.personnummer import format_canonical
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, move_category, next_personnummer

TODAY = timezone.localdate()


def ago(days):
    return TODAY - datetime.timedelta(days=days)


def row(**values):
    """A workbook row with sensible defaults, by header."""
    defaults = {
        "Personnummer": format_canonical(next_personnummer()),
        "Namn": "Alva Testsson",
        "Kön": "Kvinna",
        "Ansvarig": "owner",
        "Startdatum": ago(100),
        "SUS-samtycke": "Ja",
        "Målgrupp": "FS",
    }
    defaults.update(values)
    return [defaults.get(h) for h in HEADERS]


def workbook_bytes(rows, headers=HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append(values)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return data


def problems_of(rows, headers=HEADERS, **kwargs):
    result = import_workbook(workbook_bytes(rows, headers), actor=kwargs.pop("actor"), **kwargs)
    assert not result.ok
    assert result.created == 0
    assert not Participant.objects.exists()
    assert not GoalDocument.objects.exists() and not StepwiseMove.objects.exists()
    return [str(p) for p in result.problems]


@pytest.fixture
def importer(owner):
    return owner


# --- Import: the happy path ------------------------------------------------------


def test_it_imports_a_row_with_goal_document_moves_and_closure(importer, teammate):
    start = ago(500)
    end = add_months(start, 15)
    data = workbook_bytes(
        [
            row(
                Personnummer=format_canonical(testnumbers.personnummer()[0]),
                Namn="Anna Maria Testsson",
                Kön="Kvinna",
                Ansvarig="teammate",
                Startdatum=start,
                Slutdatum=end.isoformat(),  # text dates are accepted too
                **{
                    "Samtycke förnyas": datetime.datetime(2027, 6, 30),  # noqa: DTZ001 - as Excel gives it
                    "Mål": "Arbete inom vården",
                    "Delmål 1": "Promenad varje dag",
                    "Mån 1–3": "Förberedande mot arbete",
                    "Mån 4–6": "praktik/arbetsprövning",
                    "Mån 13–15": "Studier med annan ersättning",
                    "Motivering till fortsättning": "Nära ett arbete",
                    "Avslutsorsak": "Arbete",
                    "Resultat": "Lönebidrag",
                    "Anställningsstöd": "Lönebidrag",
                    "Övrigt": "Tolk behövs",
                    "Målgrupp": "AF14",
                    "SUS-samtycke": "Nej",
                },
            )
        ]
    )
    result = import_workbook(data, actor=importer)
    assert result.ok, [str(p) for p in result.problems]
    assert result.created == 1
    p = Participant.objects.get()
    assert (p.first_name, p.last_name, p.gender) == ("Anna Maria", "Testsson", "kvinna")
    assert p.responsible == teammate
    assert list(participants_visible_to(teammate)) == [p]
    assert (p.status, p.end_date, p.closure_reason, p.closure_result) == (
        "avslutad",
        end,
        "arbete",
        "lonebidrag",
    )
    assert (p.target_group, p.sus_consent) == ("AF14", False)
    goal = p.goal_document
    assert goal.goal == "Arbete inom vården"
    assert goal.delmal_1 == "Promenad varje dag" and goal.delmal_1_status == "pagaende"
    assert goal.consent_renewal_on == datetime.date(2027, 6, 30)
    assert goal.continuation_reason == "Nära ett arbete"
    assert (goal.employment_subsidy, goal.other) == ("Lönebidrag", "Tolk behövs")
    moves = {m.period: m.category.code for m in p.moves.all()}
    assert moves == {
        1: "forberedande_mot_arbete",
        2: "praktik_arbetsprovning",
        5: "studier_annan_ersattning",
    }
    events = AuditEvent.objects.filter(participant_id=p.pk)
    assert [e.action for e in events] == ["import"]


def test_it_accepts_ten_digit_numbers_and_samordningsnummer(importer):
    number = next_personnummer()
    samordning = next(n for n in testnumbers.samordningsnummer() if n[6:8] != "00")
    result = import_workbook(
        workbook_bytes(
            [
                row(Personnummer=f"{number[2:8]}-{number[8:]}"),
                row(Personnummer=samordning, Namn="Erik Provare", Kön="Man"),
            ]
        ),
        actor=importer,
    )
    assert result.ok, [str(p) for p in result.problems]
    assert set(Participant.objects.values_list("personnummer", flat=True)) == {number, samordning}


def test_the_command_imports_as_the_system_account(tmp_path, owner):
    path = tmp_path / "mal.xlsx"
    path.write_bytes(workbook_bytes([row()]).getvalue())
    out = io.StringIO()
    call_command("import_goal_document", str(path), stdout=out)
    assert "1 deltagare importerade" in out.getvalue()
    system = User.objects.get(username=SYSTEM_USERNAME)
    assert not system.has_usable_password() and system.capacity == 0
    assert list(participants_visible_to(system)) == []
    assert AuditEvent.objects.get(action="import").user == system


def test_the_command_creates_missing_staff_when_asked(tmp_path, db):
    path = tmp_path / "mal.xlsx"
    path.write_bytes(workbook_bytes([row(Ansvarig="slutat")]).getvalue())
    with pytest.raises(CommandError):
        call_command("import_goal_document", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not User.objects.filter(username="slutat").exists()
    out = io.StringIO()
    call_command("import_goal_document", str(path), "--create-missing-staff", stdout=out)
    gone = User.objects.get(username="slutat")
    assert (gone.is_active, gone.role, gone.has_usable_password()) == (False, Role.STAFF, False)
    assert Participant.objects.get().responsible == gone
    assert "Skapade inaktivt konto: slutat" in out.getvalue()


def test_the_command_fails_with_every_problem_listed(tmp_path, owner):
    path = tmp_path / "mal.xlsx"
    path.write_bytes(workbook_bytes([row(Startdatum="igår"), row(Kön="Kvinnlig")]).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="Ingenting importerades: 2 fel"):
        call_command("import_goal_document", str(path), stdout=io.StringIO(), stderr=err)
    assert "Rad 2, kolumn E (Startdatum)" in err.getvalue()
    assert "Rad 3, kolumn C (Kön)" in err.getvalue()
    assert not Participant.objects.exists()


# --- Import: every error class -------------------------------------------------------


def test_it_refuses_wrong_and_missing_headers(importer):
    headers = list(HEADERS)
    headers[2] = "Kon"
    problems = problems_of([row()], headers=headers[:-1], actor=importer)
    assert problems == [
        "Rad 1, kolumn C (Kön): Rubriken ska vara ”Kön”, inte ”Kon”.",
        "Rad 1, kolumn Z (SUS-samtycke): Rubriken ”SUS-samtycke” saknas.",
    ]


def test_it_refuses_an_unknown_extra_column(importer):
    problems = problems_of([row()], headers=[*HEADERS, "Extra"], actor=importer)
    assert problems == ["Rad 1: Kolumn AA: okänd kolumn ”Extra”."]


def test_it_refuses_a_bad_date(importer):
    problems = problems_of(
        [row(Startdatum="2026-02-30"), row(Slutdatum="31/12/2026", Avslutsorsak="Studier")],
        actor=importer,
    )
    assert any(p.startswith("Rad 2, kolumn E (Startdatum): Ogiltigt datum") for p in problems)
    assert any(p.startswith("Rad 3, kolumn F (Slutdatum): Ogiltigt datum") for p in problems)


def test_it_refuses_an_invalid_personnummer(importer):
    problems = problems_of([row(Personnummer="19900101-9803")], actor=importer)
    assert problems == [
        "Rad 2, kolumn A (Personnummer): Ogiltigt personnummer eller samordningsnummer."
    ]


def test_it_refuses_an_unknown_category(importer):
    problems = problems_of([row(**{"Mån 1–3": "Avslut andra skäl"})], actor=importer)
    assert len(problems) == 1
    assert problems[0].startswith("Rad 2, kolumn L (Mån 1–3): Okänd kategori ”Avslut andra skäl”")


def test_it_refuses_an_unknown_staff_member(importer):
    problems = problems_of([row(Ansvarig="finnsinte")], actor=importer)
    assert problems == ["Rad 2, kolumn D (Ansvarig): Det finns ingen användare ”finnsinte”."]


def test_it_refuses_a_responsible_who_is_not_project_staff(importer, counsellor):
    problems = problems_of([row(Ansvarig="counsellor")], actor=importer)
    assert problems == ["Rad 2, kolumn D (Ansvarig): ”counsellor” är inte projektmedarbetare."]


def test_it_refuses_a_missing_reason_for_continuing(importer):
    problems = problems_of(
        [row(Startdatum=ago(450), **{"Mån 13–15": "Praktik/arbetsprövning"})], actor=importer
    )
    assert problems == [
        "Rad 2, kolumn T (Motivering till fortsättning): Motivering till fortsättning "
        "krävs när en period efter månad 12 är ifylld."
    ]


def test_it_refuses_a_move_in_a_period_after_the_end_date(importer):
    start = ago(300)
    problems = problems_of(
        [
            row(
                Startdatum=start,
                Slutdatum=add_months(start, 2),
                Avslutsorsak="Övriga skäl",
                **{"Mån 1–3": "Praktik/arbetsprövning", "Mån 4–6": "Arbets-/studieförmåga"},
            )
        ],
        actor=importer,
    )
    assert len(problems) == 1
    assert problems[0].startswith("Rad 2, kolumn M (Mån 4–6): Mån 4–6 börjar")
    assert "efter slutdatumet" in problems[0]


def test_it_refuses_a_move_in_a_period_that_has_not_begun(importer):
    problems = problems_of(
        [row(Startdatum=ago(10), **{"Mån 4–6": "Praktik/arbetsprövning"})], actor=importer
    )
    assert len(problems) == 1 and "har inte börjat" in problems[0]


def test_it_refuses_a_duplicate_person_in_the_workbook(importer):
    number = format_canonical(next_personnummer())
    problems = problems_of(
        [row(Personnummer=number), row(Personnummer=number, Startdatum=ago(50))], actor=importer
    )
    assert problems == [
        "Rad 3, kolumn A (Personnummer): Samma person finns redan på rad 2 med ett "
        "deltagande som överlappar."
    ]


def test_it_refuses_a_person_already_taking_part(importer, owner):
    existing = ParticipantFactory(responsible=owner)
    result = import_workbook(
        workbook_bytes([row(Personnummer=existing.personnummer)]), actor=importer
    )
    assert [str(p) for p in result.problems] == [
        "Rad 2, kolumn A (Personnummer): Personen finns redan i systemet med ett "
        "deltagande som överlappar."
    ]
    assert Participant.objects.count() == 1


def test_it_accepts_a_later_participation_of_the_same_person(importer):
    number = format_canonical(next_personnummer())
    first_start = ago(400)
    result = import_workbook(
        workbook_bytes(
            [
                row(
                    Personnummer=number,
                    Startdatum=first_start,
                    Slutdatum=add_months(first_start, 3),
                    Avslutsorsak="Övriga skäl",
                ),
                row(Personnummer=number, Startdatum=ago(20)),
            ]
        ),
        actor=importer,
    )
    assert result.ok, [str(p) for p in result.problems]
    assert Participant.objects.count() == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"Personnummer;Namn\n19900101-9802;Alva\n", b"PK\x03\x04 not really a zip"],
)
def test_it_refuses_a_file_that_is_not_a_workbook(importer, content):
    result = import_workbook(io.BytesIO(content), actor=importer)
    assert [str(p) for p in result.problems] == ["Filen är inte en Excel-arbetsbok (.xlsx)."]
    assert not Participant.objects.exists()


def test_it_checks_closure_reason_and_result(importer):
    problems = problems_of(
        [
            row(Slutdatum=ago(5)),
            row(Avslutsorsak="Arbete"),
            row(Slutdatum=ago(5), Avslutsorsak="Övriga skäl", Resultat="Extratjänst"),
            row(Slutdatum=ago(5), Avslutsorsak="Pension"),
        ],
        actor=importer,
    )
    assert "Rad 2, kolumn U (Avslutsorsak): Avslutsorsak krävs när Slutdatum är ifyllt." in problems
    assert (
        "Rad 3, kolumn U (Avslutsorsak): Avslutsorsak anges bara när Slutdatum är ifyllt."
        in problems
    )
    assert (
        "Rad 4, kolumn V (Resultat): Resultat anges bara vid avslut med Arbete eller Studier."
        in problems
    )
    assert any(
        p.startswith("Rad 5, kolumn U (Avslutsorsak): Okänt värde ”Pension”") for p in problems
    )


def test_it_lists_every_problem_of_every_row_at_once(importer):
    problems = problems_of(
        [
            row(Personnummer="123", Kön="", Målgrupp="AF15", **{"SUS-samtycke": "Kanske"}),
            row(),  # a good row is not imported either
            row(Namn="Ensam", Startdatum=None),
        ],
        actor=importer,
    )
    assert problems[:4] == [
        "Rad 2, kolumn A (Personnummer): Ogiltigt personnummer eller samordningsnummer.",
        "Rad 2, kolumn C (Kön): Kön saknas.",
        "Rad 2, kolumn Y (Målgrupp): Okänt värde ”AF15”. Tillåtet: ”FS”, ”AF14”.",
        "Rad 2, kolumn Z (SUS-samtycke): Okänt värde ”Kanske”. Tillåtet: ”Ja”, ”Nej”.",
    ]
    assert "Rad 4, kolumn B (Namn): Ange både förnamn och efternamn." in problems
    assert "Rad 4, kolumn E (Startdatum): Datum saknas." in problems


# --- Export and the round trip ----------------------------------------------------------


def export_rows(participants=None):
    data = io.BytesIO()
    export_workbook(participants or Participant.objects.all(), data)
    data.seek(0)
    sheet = load_workbook(data).active
    return [
        [(cell.value, cell.number_format if cell.is_date else None) for cell in line]
        for line in sheet.iter_rows()
    ], data


def varied_participants(owner, teammate):
    """Active and closed participations with every column filled somewhere."""
    active = ParticipantFactory(
        responsible=owner,
        first_name="Anna Maria",
        last_name="Testsson",
        start_date=ago(420),
        target_group="AF14",
        sus_consent=True,
    )
    ConsentFactory(participant=active, valid_until=datetime.date(2027, 8, 31))
    goal_document_save(
        actor=owner,
        participant=active,
        version=0,
        goal="Arbete i butik",
        delmal_1="Promenad",
        delmal_1_status="uppnatt",
        delmal_3="Cv klart",
        delmal_3_status="pagaende",
        continuation_reason="Praktik på gång",
        employment_subsidy="Nystartsjobb",
        other="Föredrar förmiddagar",
    )
    for k, code in (
        (1, "forberedande_mot_arbete"),
        (2, "praktik_arbetsprovning"),
        (5, "arbets_studieformaga"),
    ):
        move_record(actor=owner, participant=active, period=k, category=move_category(code))
    closed = ParticipantFactory(
        responsible=teammate,
        first_name="Erik",
        last_name="Provare",
        gender="man",
        start_date=ago(300),
        target_group="FS",
    )
    goal_document_save(
        actor=teammate, participant=closed, version=0, consent_renewal_on=datetime.date(2026, 12, 1)
    )
    move_record(
        actor=teammate,
        participant=closed,
        period=1,
        category=move_category("studier_annan_ersattning"),
    )
    Participant.objects.filter(pk=closed.pk).update(
        status="avslutad", end_date=ago(200), closure_reason="studier", closure_result="csn_studies"
    )
    other = ParticipantFactory(
        responsible=owner,
        first_name="Kim",
        last_name="Påhittad",
        gender="annat",
        start_date=ago(30),
    )
    Participant.objects.filter(pk=other.pk).update(
        status="avslutad", end_date=ago(2), closure_reason="ovriga"
    )
    return active, closed, other


def test_it_exports_the_contract_s_columns_and_values(owner, teammate):
    active, closed, _other = varied_participants(owner, teammate)
    rows, _data = export_rows()
    assert [value for value, _fmt in rows[0]] == HEADERS
    by_number = {line[0][0]: [value for value, _fmt in line] for line in rows[1:]}
    a = dict(zip(HEADERS, by_number[active.personnummer_display], strict=True))
    assert a["Namn"] == "Anna Maria Testsson"
    assert a["Kön"] == "Kvinna" and a["Ansvarig"] == "owner"
    assert a["Startdatum"].date() == active.start_date and a["Slutdatum"] is None
    assert a["Samtycke förnyas"].date() == datetime.date(2027, 8, 31)
    assert a["Mån 1–3"] == "Förberedande mot arbete"
    assert a["Mån 4–6"] == "Praktik/arbetsprövning"
    assert a["Mån 7–9"] is None
    assert a["Mån 13–15"] == "Arbets-/studieförmåga"
    assert a["Målgrupp"] == "AF14" and a["SUS-samtycke"] == "Ja"
    c = dict(zip(HEADERS, by_number[closed.personnummer_display], strict=True))
    assert (c["Avslutsorsak"], c["Resultat"], c["Kön"]) == ("Studier", "Studier med CSN", "Man")
    assert c["Samtycke förnyas"].date() == datetime.date(2026, 12, 1)
    assert c["SUS-samtycke"] == "Nej"
    # Dates are real Excel dates, shown as ÅÅÅÅ-MM-DD.
    formats = {fmt for line in rows[1:] for _value, fmt in line if fmt}
    assert formats == {"yyyy-mm-dd"}


def test_export_import_export_gives_the_same_workbook(owner, teammate):
    varied_participants(owner, teammate)
    before, data = export_rows()
    # An empty database: no participants, goal documents, moves or consents.
    Participant.objects.all().delete()
    result = import_workbook(data, actor=owner)
    assert result.ok, [str(p) for p in result.problems]
    assert result.created == 3
    after, _data = export_rows()
    assert after == before


def test_a_long_import_reports_progress_and_audits_every_row(importer, monkeypatch):
    """Written in chunks (bulk), read twice (checked, then written), with
    the same rows as one by one: a revision per document and per move, one
    *import* event per participant, the responsible's rights."""
    monkeypatch.setattr("operations.workbook.IMPORT_CHUNK", 2)
    monkeypatch.setattr("operations.workbook.PROGRESS_EVERY", 2)
    rows = [
        row(Startdatum=ago(200), **{"Mål": f"Mål {n}", "Mån 1–3": "Praktik/arbetsprövning"})
        for n in range(5)
    ]
    calls = []
    result = import_workbook(
        workbook_bytes(rows), actor=importer, progress=lambda *args: calls.append(args)
    )
    assert result.ok, [str(p) for p in result.problems]
    assert result.created == 5
    assert calls == [
        ("read", 2, None),
        ("read", 4, None),
        ("read", 5, 5),
        ("write", 2, 5),
        ("write", 4, 5),
        ("write", 5, 5),
    ]
    participants = list(Participant.objects.order_by("id"))
    assert [p.goal_document.goal for p in participants] == [f"Mål {n}" for n in range(5)]
    for p in participants:
        assert list(participants_visible_to(importer).filter(pk=p.pk)) == [p]
        assert [e.action for e in AuditEvent.objects.filter(participant_id=p.pk)] == ["import"]
        kinds = sorted(
            GoalDocumentRevision.objects.filter(participant=p).values_list("kind", "period")
        )
        assert kinds == [("document", None), ("move", 1)]
        move = p.moves.get()
        assert (move.period, move.category.code, move.recorded_by) == (
            1,
            "praktik_arbetsprovning",
            importer,
        )


def test_a_problem_in_a_late_chunk_writes_nothing(importer, monkeypatch):
    monkeypatch.setattr("operations.workbook.IMPORT_CHUNK", 2)
    rows = [row() for _ in range(4)] + [row(Kön="Okänt")]
    problems = problems_of(rows, actor=importer)
    assert problems == [
        "Rad 6, kolumn C (Kön): Okänt värde ”Okänt”. Tillåtet: ”Kvinna”, ”Man”, ”Annat”."
    ]
    assert not AuditEvent.objects.filter(action="import").exists()


def test_the_export_command_writes_the_workbook_and_audits_it(tmp_path, owner, teammate):
    varied_participants(owner, teammate)
    path = tmp_path / "ut.xlsx"
    out = io.StringIO()
    call_command("export_goal_document", str(path), stdout=out)
    assert "3 deltagare exporterade" in out.getvalue()
    sheet = load_workbook(path).active
    assert sheet.max_row == 4
    assert AuditEvent.objects.filter(action="export").count() == 1


# The participants in the export's order (goal document, responsible and
# latest consent in the same query, streamed), then per chunk their moves.
EXPORT_QUERIES = 2


def test_the_export_keeps_its_query_count_whatever_the_rows(owner, django_assert_num_queries):
    for _ in range(5):
        ParticipantFactory(responsible=owner)
    with django_assert_num_queries(EXPORT_QUERIES):
        export_workbook(Participant.objects.all(), io.BytesIO())
    for _ in range(25):
        p = ParticipantFactory(responsible=owner, start_date=ago(200))
        ConsentFactory(participant=p)
        move_record(
            actor=owner, participant=p, period=1, category=move_category("praktik_arbetsprovning")
        )
    with django_assert_num_queries(EXPORT_QUERIES):
        export_workbook(Participant.objects.all(), io.BytesIO())


def test_the_export_reads_the_rows_in_chunks_in_order(
    owner, monkeypatch, django_assert_num_queries
):
    people = [ParticipantFactory(responsible=owner, start_date=ago(200)) for _ in range(7)]
    for i, p in enumerate(people):
        ConsentFactory(participant=p)
        move_record(
            actor=owner, participant=p, period=1, category=move_category("praktik_arbetsprovning")
        )
        goal_document_save(actor=owner, participant=p, version=0, goal=f"Mål {i}")
    monkeypatch.setattr("mapping.selectors.GOAL_ROW_CHUNK", 3)
    data = io.BytesIO()
    with django_assert_num_queries(1 + 3):  # three chunks: 3, 3 and 1 rows
        assert export_workbook(Participant.objects.all(), data) == 7
    rows = list(load_workbook(data).active.iter_rows(min_row=2, values_only=True))
    ordered = sorted(people, key=lambda p: (p.personnummer, p.start_date, p.pk))
    assert [r[0] for r in rows] == [format_canonical(p.personnummer) for p in ordered]
    by_pnr = {format_canonical(p.personnummer): i for i, p in enumerate(people)}
    moves = HEADERS.index(MOVE_HEADERS[0])
    for r in rows:
        assert r[HEADERS.index("Mål")] == f"Mål {by_pnr[r[0]]}"
        assert r[moves] == "Praktik/arbetsprövning"
        assert r[HEADERS.index("Samtycke förnyas")] is not None


# --- The upload page ------------------------------------------------------------------


def test_the_upload_page_imports_a_good_workbook(owner):
    client = client_for(owner)
    assert client.get(reverse("operations:goal_document_import")).status_code == 200
    data = workbook_bytes([row(Namn="Sanna Uppladdad")])
    data.name = "maldokument.xlsx"
    response = client.post(reverse("operations:goal_document_import"), {"file": data})
    # The import is a background job: its page shows the outcome.
    assert response.status_code == 302
    assert response.url.startswith("/jobb/")
    assert Participant.objects.get().last_name == "Uppladdad"
    page = client.get(response.url).content.decode()
    assert "1 deltagare importerades från måldokumentet." in page


def test_the_upload_page_lists_every_problem_and_imports_nothing(owner):
    client = client_for(owner)
    data = workbook_bytes([row(Ansvarig="okand"), row(Startdatum="i morgon")])
    data.name = "maldokument.xlsx"
    response = client.post(reverse("operations:goal_document_import"), {"file": data}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ingenting importerades: 2 fel i arbetsboken." in html
    assert "D (Ansvarig)" in html and "E (Startdatum)" in html
    assert "Det finns ingen användare ”okand”." in html
    assert not Participant.objects.exists()


def test_the_upload_page_wants_a_file(owner):
    response = client_for(owner).post(reverse("operations:goal_document_import"), {})
    assert response.status_code == 200
    assert "Välj en fil." in response.content.decode()
