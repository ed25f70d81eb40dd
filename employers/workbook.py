"""The employer workbooks (.xlsx): employers and job orders exported, and
employers imported.

Every text cell is written through :mod:`rattinsats.xlsx`, so no text a
user typed ever becomes a formula. Export streams with openpyxl's
write-only mode. Import reads in read-only (streaming) mode, checks every
row before it writes anything, and writes all rows or none, through the
same service as the pages (:func:`employers.services.employer_create`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from rattinsats.models import User
from rattinsats.xlsx import (
    FORMULA_MESSAGE,
    ImportProblem,
    RefusedWorkbook,
    open_upload,
    set_properties,
    write_only_row,
)

from .models import ContactPerson, Employer, JobOrder, SupportForm
from .numbers import organisation_number_parse, postal_code_normalise, sni_normalise
from .selectors import employer_rows, staff_choices
from .services import employer_create

EMPLOYER_SHEET = "Arbetsgivare"
CONTACT_SHEET = "Kontaktpersoner"
JOB_ORDER_SHEET = "Jobborder"

# The columns of the employer workbook, in this order: the import reads
# them, the export writes them and then the columns of EMPLOYER_EXTRA,
# which the import accepts and leaves aside (they are computed).
EMPLOYER_HEADERS = [
    "Organisationsnummer",
    "Namn",
    "Gatuadress",
    "Postnummer",
    "Ort",
    "Bransch",
    "SNI-kod",
    "Relationsansvarig",
    "Anteckningar",
]
EMPLOYER_EXTRA = ["Enskild firma", "Öppna jobborder", "Senaste kontakt"]
EMPLOYER_WIDTHS = [16, 32, 28, 11, 18, 24, 9, 18, 40, 13, 15, 15]
CONTACT_HEADERS = ["Organisationsnummer", "Arbetsgivare", "Namn", "Roll", "Telefon", "E-post"]
CONTACT_WIDTHS = [16, 32, 24, 20, 16, 28]
JOB_ORDER_HEADERS = [
    "Arbetsgivare",
    "Organisationsnummer",
    "Yrke",
    "SSYK-kod",
    "Antal platser",
    "Omfattning",
    "Startdatum",
    "Sista ansökningsdag",
    "Möjligt stöd",
    "Status",
    "Krav",
    "Registrerad",
]
JOB_ORDER_WIDTHS = [32, 16, 28, 9, 12, 16, 12, 18, 15, 11, 40, 12]


# --- Export ------------------------------------------------------------------


def _workbook(title: str) -> Workbook:
    workbook = Workbook(write_only=True)
    set_properties(workbook, title)
    return workbook


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    row = []
    for value in write_only_row(sheet, headers):
        cell = WriteOnlyCell(sheet, value=value) if isinstance(value, str) else value
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    return sheet


def _rows(sheet, rows: Iterable[Iterable[Any]], columns: int) -> int:
    """Append ``rows`` (text through the formula guard) and set the
    autofilter over them; returns how many."""
    count = 0
    for values in rows:
        sheet.append(write_only_row(sheet, values))
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{count + 1}"
    return count


def _username(user: User | None) -> str:
    return user.username if user else ""


def export_employers(employers: QuerySet[Employer], target) -> int:
    """Write the employer workbook of ``employers`` (live ones; merged
    duplicates are left out) to ``target`` and return the number of
    employers. A second sheet lists their active contact people. Sole
    traders' numbers are written in full: the export itself is audited by
    the caller."""
    employers = employer_rows(employers.filter(merged_into__isnull=True))
    workbook = _workbook("Arbetsgivare")
    sheet = _sheet(workbook, EMPLOYER_SHEET, EMPLOYER_HEADERS + EMPLOYER_EXTRA, EMPLOYER_WIDTHS)
    count = _rows(
        sheet,
        (
            [
                e.organisation_number,
                e.name,
                e.street_address,
                e.postal_code,
                e.city,
                e.industry,
                e.sni_code,
                _username(e.responsible),
                e.notes,
                "Ja" if e.is_sole_trader else "Nej",
                e.open_orders,
                e.last_contact,
            ]
            for e in employers.iterator(chunk_size=1000)
        ),
        len(EMPLOYER_HEADERS) + len(EMPLOYER_EXTRA),
    )
    contacts = _sheet(workbook, CONTACT_SHEET, CONTACT_HEADERS, CONTACT_WIDTHS)
    _rows(
        contacts,
        (
            [p.employer.organisation_number, p.employer.name, p.name, p.role, p.phone, p.email]
            for p in ContactPerson.objects.filter(employer__in=employers.values("pk"), active=True)
            .select_related("employer")
            .order_by("employer__name", "employer_id", "name", "id")
            .iterator(chunk_size=1000)
        ),
        len(CONTACT_HEADERS),
    )
    workbook.save(target)
    return count


def export_job_orders(orders: QuerySet[JobOrder], target) -> int:
    """Write the job-order workbook of ``orders`` to ``target`` and return
    the number of rows. A sole trader's number is masked: the orders go
    round to people who need the job, not the owner's personnummer."""
    workbook = _workbook("Jobborder")
    sheet = _sheet(workbook, JOB_ORDER_SHEET, JOB_ORDER_HEADERS, JOB_ORDER_WIDTHS)
    supports = dict(SupportForm.choices)
    statuses = dict(JobOrder.Status.choices)
    count = _rows(
        sheet,
        (
            [
                o.employer.name,
                o.employer.organisation_number_masked,
                o.occupation,
                o.ssyk_code,
                o.positions,
                o.extent,
                o.start_date,
                o.apply_by,
                str(supports.get(o.support_form, "")) if o.support_form else "",
                str(statuses.get(o.status, o.status)),
                o.requirements,
                o.created_at.date() if o.created_at else None,
            ]
            for o in orders.select_related("employer").iterator(chunk_size=1000)
        ),
        len(JOB_ORDER_HEADERS),
    )
    workbook.save(target)
    return count


# --- Import ------------------------------------------------------------------


class Problem(ImportProblem):
    """One thing wrong with the employer workbook."""

    headers = EMPLOYER_HEADERS


@dataclass
class ImportResult:
    created: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Every problem is kept (the import takes fewer rows than the goal
    # document's); the upload page shows the count of those it leaves out.
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)


class _Abort(Exception):
    """Rolls the import's transaction back."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def import_employers(source, *, actor: User) -> ImportResult:
    """Import employers from a workbook with the columns of
    ``EMPLOYER_HEADERS`` (the export's own first sheet imports). All or
    nothing: when any cell is wrong, nothing is written and every problem
    is returned with its row and column. The file is looked at before it
    is opened (size, unpacked size, rows, no DTD: ``check_upload``) and its
    rows streamed; a formula is refused. ``actor`` is the staff member who
    uploads it."""
    result = ImportResult()
    rows = _read(source, result.problems)
    if rows is None:
        return result
    if not rows and not result.problems:
        result.problems.append(Problem("Arbetsboken har inga rader att importera."))
    if rows:
        _check_references(rows, result.problems)
    if result.problems:
        result.problems.sort(key=lambda p: (p.row or 0, p.column))
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    employer_create(actor=actor, imported=True, **row.values)
                except ValidationError as exc:
                    result.problems.extend(_problems_of(exc, row.number))
                else:
                    result.created += 1
            if result.problems:
                raise _Abort
    except _Abort:
        result.created = 0
    return result


def _read(source, problems: list[Problem]) -> list[_Row] | None:
    """The workbook's rows, parsed (their problems added), or None when it
    is not read at all: refused before it is opened, not a workbook, wrong
    headers, too many rows."""
    rows: list[_Row] = []
    try:
        with open_upload(
            source,
            max_bytes=settings.RATTINSATS_EMPLOYER_IMPORT_MAX_BYTES,
            max_unzipped_bytes=settings.RATTINSATS_EMPLOYER_IMPORT_MAX_UNZIPPED_BYTES,
            max_rows=settings.RATTINSATS_EMPLOYER_IMPORT_MAX_ROWS,
            max_columns=len(EMPLOYER_HEADERS) + len(EMPLOYER_EXTRA),
        ) as sheet:
            problems.extend(Problem.in_header(sheet.header(), _text, extra=EMPLOYER_EXTRA))
            if problems:
                return None
            for number, values, formulas in sheet.rows(EMPLOYER_HEADERS):
                if not formulas and all(_text(v) == "" for v in values):
                    continue
                found: list[Problem] = []
                rows.append(_parse_row(number, values, found))
                # A cell with a formula gets that problem only.
                problems.extend(Problem(FORMULA_MESSAGE, number, h) for h in formulas)
                problems.extend(p for p in found if p.header not in formulas)
    except RefusedWorkbook as exc:
        problems[:] = [Problem(exc.message)]
        return None
    return rows


def _problems_of(exc: ValidationError, number: int) -> list[Problem]:
    """A service's refusal as problems of the row, on their columns."""
    if not hasattr(exc, "error_dict"):
        return [Problem(message, number) for message in exc.messages]
    return [
        Problem(message, number, _HEADER_OF.get(name, ""))
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


_FIELD_OF = {
    "Organisationsnummer": "organisation_number",
    "Namn": "name",
    "Gatuadress": "street_address",
    "Postnummer": "postal_code",
    "Ort": "city",
    "Bransch": "industry",
    "SNI-kod": "sni_code",
    "Relationsansvarig": "responsible",
    "Anteckningar": "notes",
}
_HEADER_OF = {name: header for header, name in _FIELD_OF.items()}
_MAX_LENGTH = {"Namn": 200, "Gatuadress": 200, "Ort": 100, "Bransch": 200}


def _parse_row(number: int, values, problems: list[Problem]) -> _Row:
    cells = {
        header: _text(values[index]) if index < len(values) else ""
        for index, header in enumerate(EMPLOYER_HEADERS)
    }
    row = _Row(number)

    def problem(header: str, message: str) -> None:
        problems.append(Problem(message, number, header))

    try:
        row.values["organisation_number"] = organisation_number_parse(
            cells["Organisationsnummer"]
        ).number
    except ValueError as exc:
        problem("Organisationsnummer", str(exc))
    if not cells["Namn"]:
        problem("Namn", "Ange arbetsgivarens namn.")
    for header, limit in _MAX_LENGTH.items():
        if len(cells[header]) > limit:
            problem(header, f"Högst {limit} tecken.")
    try:
        row.values["sni_code"] = sni_normalise(cells["SNI-kod"])
    except ValueError as exc:
        problem("SNI-kod", str(exc))
    try:
        row.values["postal_code"] = postal_code_normalise(cells["Postnummer"])
    except ValueError as exc:
        problem("Postnummer", str(exc))
    for header in ("Namn", "Gatuadress", "Ort", "Bransch", "Anteckningar"):
        row.values[_FIELD_OF[header]] = cells[header]
    row.values["responsible"] = cells["Relationsansvarig"]
    return row


def _check_references(rows: list[_Row], problems: list[Problem]) -> None:
    """Relationship holders that are project staff, numbers that are
    neither twice in the workbook nor already registered."""
    staff = {u.username: u for u in staff_choices()}
    seen: dict[str, int] = {}
    numbers = [r.values["organisation_number"] for r in rows if "organisation_number" in r.values]
    existing = dict(
        Employer.objects.filter(
            organisation_number__in=numbers, merged_into__isnull=True, anonymised_at__isnull=True
        ).values_list("organisation_number", "name")
    )
    for row in rows:
        username = row.values["responsible"]
        if username:
            user = staff.get(username)
            if user is None:
                problems.append(
                    Problem(
                        f"”{username}” är ingen aktiv projektmedarbetare.",
                        row.number,
                        "Relationsansvarig",
                    )
                )
            row.values["responsible"] = user
        else:
            row.values["responsible"] = None
        number = row.values.get("organisation_number")
        if number is None:
            continue
        if number in seen:
            problems.append(
                Problem(
                    f"Samma organisationsnummer som rad {seen[number]}.",
                    row.number,
                    "Organisationsnummer",
                )
            )
        else:
            seen[number] = row.number
        if number in existing:
            problems.append(
                Problem(
                    f"Arbetsgivaren finns redan ({existing[number]}).",
                    row.number,
                    "Organisationsnummer",
                )
            )
