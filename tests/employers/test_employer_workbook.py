"""The employer workbooks: the export of employers and of job orders (no
formula ever, properties, widths, autofilter, audited) and the import of
employers (every problem per row in Swedish, all or nothing, capped)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from employers.models import Employer, JobOrder
from employers.workbook import (
    EMPLOYER_EXTRA,
    EMPLOYER_HEADERS,
    JOB_ORDER_HEADERS,
    export_employers,
    export_job_orders,
    import_employers,
)
from rattinsats.models import AuditEvent
from tests.conftest import client_for

from .employer_data import contact_person, employer, job_order, organisation_number

pytestmark = pytest.mark.django_db

RISKY = '=HYPERLINK("http://example.invalid","klicka")'


def _book(target) -> Workbook:
    return load_workbook(io.BytesIO(target.getvalue()))


def _workbook(rows, headers=None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers if headers is not None else EMPLOYER_HEADERS)
    for values in rows:
        if isinstance(values, dict):
            values = [values.get(h, "") for h in EMPLOYER_HEADERS]
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def row(**values):
    defaults = {"Organisationsnummer": organisation_number(), "Namn": "Import AB"}
    defaults.update(values)
    return defaults


def test_the_employer_export_writes_text_never_a_formula(owner):
    e = employer(owner, name=RISKY, notes="+46 70 123", responsible=owner, sni_code="47111")
    contact_person(e, name="@kim", phone="-1")
    employer(owner, name="Frisör Test", sole_trader=True)
    merged = employer(owner, name="Sammanslagen")
    Employer.objects.filter(pk=merged.pk).update(merged_into=e, merged_at=e.created_at)
    job_order(owner, e)
    out = io.BytesIO()
    assert export_employers(Employer.objects.all(), out) == 2
    book = _book(out)
    assert (book.properties.title, book.properties.creator) == ("Arbetsgivare", "Rätt insats")
    sheet = book["Arbetsgivare"]
    assert [c.value for c in sheet[1]] == EMPLOYER_HEADERS + EMPLOYER_EXTRA
    assert sheet.auto_filter.ref == "A1:L3"
    assert sheet.column_dimensions["B"].width == 32
    names = {sheet.cell(row=r, column=2).value: r for r in range(2, 4)}
    assert set(names) == {RISKY, "Frisör Test"}
    cell = sheet.cell(row=names[RISKY], column=2)
    assert cell.data_type == "s" and cell.quotePrefix
    assert sheet.cell(row=names[RISKY], column=9).data_type == "s"
    assert sheet.cell(row=names[RISKY], column=8).value == owner.username
    assert sheet.cell(row=names[RISKY], column=11).value == 1  # open orders
    assert sheet.cell(row=names["Frisör Test"], column=10).value == "Ja"
    people = book["Kontaktpersoner"]
    assert people.cell(row=2, column=3).value == "@kim"
    assert people.cell(row=2, column=3).data_type == "s"
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            assert all(c.data_type != "f" for c in line)


def test_the_job_order_export_masks_sole_traders(owner):
    sole = employer(owner, name="Frisör Test", sole_trader=True)
    job_order(owner, sole, occupation="=1+1", support_form="introjobb")
    out = io.BytesIO()
    assert export_job_orders(JobOrder.objects.all(), out) == 1
    book = _book(out)
    sheet = book["Jobborder"]
    assert [c.value for c in sheet[1]] == JOB_ORDER_HEADERS
    values = [c.value for c in sheet[2]]
    assert values[1] == sole.organisation_number[:6] + "-****"
    assert (values[2], values[8], values[9]) == ("=1+1", "Introjobb", "Öppen")
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert sheet.auto_filter.ref == "A1:L2"
    assert book.properties.creator == "Rätt insats"


def test_the_exports_are_audited_and_only_for_the_team(owner, counsellor):
    employer(owner)
    client = client_for(owner)
    response = client.get(reverse("employers:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="arbetsgivare-')
    response = client.get(reverse("employers:job_orders_export"), {"status": "alla"})
    assert response.status_code == 200
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert sorted(exports.values_list("object_type", "detail")) == [
        ("employers.employer", "arbetsgivare, 1 rader"),
        ("employers.joborder", "jobborder, 0 rader"),
    ]
    assert client_for(counsellor).get(reverse("employers:export")).status_code == 404


def test_export_then_import_gives_the_same_employers(owner):
    employer(owner, name="Verkstaden AB", sni_code="25110", city="Eskilstuna", responsible=owner)
    employer(owner, name="Frisör Test", sole_trader=True, postal_code="632 20", notes="=SUM(A1)")
    out = io.BytesIO()
    export_employers(Employer.objects.all(), out)
    fields = ["organisation_number", "is_sole_trader", "name", "sni_code", "city", "postal_code"]
    before = sorted(Employer.objects.values_list(*fields, "notes", "responsible"))
    Employer.objects.all().delete()
    out.seek(0)
    result = import_employers(out, actor=owner)
    assert (result.ok, result.created) == (True, 2)
    assert sorted(Employer.objects.values_list(*fields, "notes", "responsible")) == before
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.IMPORT, object_type="employers.employer"
        ).count()
        == 2
    )


def test_every_problem_is_named_by_row_and_column_and_nothing_is_saved(owner, counsellor):
    existing = employer(owner, name="Finns redan AB")
    twice = organisation_number()
    rows = [
        row(Namn="Bra AB"),
        row(Organisationsnummer="556677-8898"),
        row(**{"SNI-kod": "4711", "Postnummer": "12"}),
        row(Namn=""),
        row(Relationsansvarig=counsellor.username),
        row(Organisationsnummer=twice),
        row(Organisationsnummer=twice),
        row(Organisationsnummer=existing.organisation_number),
    ]
    result = import_employers(_workbook(rows), actor=owner)
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "Rad 3, kolumn A (Organisationsnummer): "
        "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte.",
        "Rad 4, kolumn D (Postnummer): Ogiltigt postnummer. Ange fem siffror, till exempel 632 20.",
        "Rad 4, kolumn G (SNI-kod): "
        "Ogiltig SNI-kod. Ange fem siffror, till exempel 47111 eller 47.111.",
        "Rad 5, kolumn B (Namn): Ange arbetsgivarens namn.",
        f"Rad 6, kolumn H (Relationsansvarig): ”{counsellor.username}” är ingen aktiv "
        "projektmedarbetare.",
        "Rad 8, kolumn A (Organisationsnummer): Samma organisationsnummer som rad 7.",
        "Rad 9, kolumn A (Organisationsnummer): Arbetsgivaren finns redan (Finns redan AB).",
    ]
    assert list(Employer.objects.all()) == [existing]


def test_it_checks_the_headers_and_the_file(owner):
    wrong = _workbook([], headers=["Orgnr", "Namn", "Okänd"])
    problems = [str(p) for p in import_employers(wrong, actor=owner).problems]
    assert problems[0] == (
        "Rad 1, kolumn A (Organisationsnummer): Rubriken ska vara ”Organisationsnummer”, "
        "inte ”Orgnr”."
    )
    assert "Rad 1, kolumn C (Gatuadress): Rubriken ska vara ”Gatuadress”, inte ”Okänd”." in problems
    not_a_book = io.BytesIO(b"PK\x03\x04 trasig")
    assert [str(p) for p in import_employers(not_a_book, actor=owner).problems] == [
        "Filen är inte en Excel-arbetsbok (.xlsx)."
    ]
    empty = _workbook([])
    assert [str(p) for p in import_employers(empty, actor=owner).problems] == [
        "Arbetsboken har inga rader att importera."
    ]


def test_size_and_rows_are_capped_by_settings(owner, settings):
    settings.RATTINSATS_EMPLOYER_IMPORT_MAX_ROWS = 2
    result = import_employers(_workbook([row(), row(), row()]), actor=owner)
    assert [str(p) for p in result.problems] == [
        "Arbetsboken har fler än 2 rader under rubrikraden. Dela upp den i flera arbetsböcker."
    ]
    settings.RATTINSATS_EMPLOYER_IMPORT_MAX_UNZIPPED_BYTES = 1000
    result = import_employers(_workbook([row()]), actor=owner)
    assert [str(p) for p in result.problems] == [
        "Arbetsboken är för stor uppackad: högst 1\u00a0kB. Dela upp den i flera arbetsböcker."
    ]
    settings.RATTINSATS_EMPLOYER_IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("stor.xlsx", _workbook([row()]).getvalue())
    result = import_employers(upload, actor=owner)
    assert [str(p) for p in result.problems] == ["Filen är för stor: högst 1\u00a0kB tas emot."]
    response = client_for(owner).post(
        reverse("employers:import"),
        {"file": SimpleUploadedFile("stor.xlsx", _workbook([row()]).getvalue())},
    )
    assert response.status_code == 200 and "Filen är för stor" in response.text
    assert not Employer.objects.exists()


def test_a_formula_is_refused_never_imported(owner):
    book = Workbook()
    sheet = book.active
    sheet.append(EMPLOYER_HEADERS)
    sheet.append([organisation_number(), '=HYPERLINK("http://example.invalid")', "", "", ""])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    result = import_employers(out, actor=owner)
    assert [str(p) for p in result.problems] == [
        "Rad 2, kolumn B (Namn): Cellen innehåller en formel. Formler importeras inte: "
        "skriv in värdet som text eller tal.",
    ]
    assert not Employer.objects.exists()


def test_the_upload_page_imports_as_the_staff_member(owner):
    client = client_for(owner)
    assert client.get(reverse("employers:import")).status_code == 200
    upload = SimpleUploadedFile("arbetsgivare.xlsx", _workbook([row(Namn="Uppladdad AB")]).read())
    response = client.post(reverse("employers:import"), {"file": upload})
    assert response.status_code == 302 and response.url == reverse("employers:list")
    assert Employer.objects.get().created_by == owner
    bad = SimpleUploadedFile("arbetsgivare.xlsx", _workbook([row(Namn="")]).read())
    response = client.post(reverse("employers:import"), {"file": bad})
    assert response.status_code == 200
    assert (
        "Ingenting importerades" in response.text and "Ange arbetsgivarens namn." in response.text
    )
    assert Employer.objects.count() == 1
