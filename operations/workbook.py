"""The goal-document workbook (*måldokument*, .xlsx): export and import.

The columns, headers and values are a contract (README, "The goal-document
workbook"): keep them exactly. Export streams with openpyxl's write-only
mode, every text cell a string and never a formula (rattinsats.xlsx), set up
to print (landscape, fitted to the width, header row on every page). Import
looks at the file before it opens it (sizes, rows, no DTD: README,
"Security"), streams the rows, refuses formulas, checks the whole workbook
before it writes anything, and writes all of it or nothing; it reports at
most ``RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS`` problems and counts the rest.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mapping.columns import (
    CLOSURE_REASONS,
    COLUMN,
    GENDERS,
    HEADERS,
    MOVE_HEADERS,
    RESULTS,
    SHEET_TITLE,
    TARGET_GROUPS,
    TEXT_HEADERS,
    YES_NO_TEXT,
    row_values,
)
from mapping.models import MoveCategory
from mapping.selectors import goal_rows_of
from mapping.services import goal_document_import_write, move_problem
from participants.models import Participant
from participants.periods import PERIODS_WITHOUT_REASON
from participants.services import (
    participant_create,
    participant_import_closure,
    participant_import_responsible,
)
from rattinsats.models import Role, User
from rattinsats.personnummer import InvalidPersonnummer, parse
from rattinsats.services import account_create
from rattinsats.xlsx import (
    FORMULA_MESSAGE,
    TOO_LARGE,
    ImportProblem,
    RefusedWorkbook,
    RowWriter,
    open_upload,
    print_setup,
    refusal,
    set_properties,
    swedish_number,
)

SYSTEM_USERNAME = "systemimport"
WORKBOOK_TITLE = "Rätt insats – måldokument"
# Column widths (characters); the free text wraps within its column.
WIDTHS = {
    "Personnummer": 15,
    "Namn": 24,
    "Ansvarig": 14,
    "Startdatum": 12,
    "Slutdatum": 12,
    "Samtycke förnyas": 12,
    "Mål": 40,
    "Delmål 1": 32,
    "Delmål 2": 32,
    "Delmål 3": 32,
    **dict.fromkeys(MOVE_HEADERS, 14),
    "Motivering till fortsättning": 40,
    "Avslutsorsak": 13,
    "Resultat": 16,
    "Anställningsstöd": 28,
    "Övrigt": 40,
    "SUS-samtycke": 13,
}


# --- Export ------------------------------------------------------------------


# How often a long export or import reports its progress, in rows.
PROGRESS_EVERY = 500

# ``progress(stage, done, total)``: called every ``PROGRESS_EVERY`` rows and
# at the end of each stage (``"export"``; ``"read"``, ``"write"``), ``total``
# None while it is not known (rows still being read).
Progress = Callable[[str, int, "int | None"], None]


def export_workbook(
    participants: QuerySet[Participant],
    target,
    *,
    progress: Progress | None = None,
    total: int | None = None,
) -> int:
    """Write the workbook of ``participants`` to ``target`` (a path or a
    binary file) and return the number of rows. Rows are read in chunks
    (:func:`mapping.selectors.goal_rows_of`) and written as they come, so
    memory stays flat. Anonymised participations (retention) are left out:
    they no longer belong to a person, and a row without a personnummer
    could not be imported again."""
    workbook = Workbook(write_only=True)
    set_properties(workbook, WORKBOOK_TITLE)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for name, width in WIDTHS.items():
        sheet.column_dimensions[COLUMN[name]].width = width
    # Before the first row: a write-only sheet writes its top part then.
    print_setup(sheet, landscape=True, title_rows="1:1")
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = goal_rows_of(
        participants.filter(anonymised_at__isnull=True).order_by("personnummer", "start_date", "id")
    )
    # Dates are written as dates: openpyxl gives them its date style,
    # yyyy-mm-dd, on its own. Text is never a formula: what could be taken
    # for one, and free text longer than its column (wrapped), become typed
    # string cells; everything else stays a plain value, which openpyxl
    # writes fastest.
    writer = RowWriter(sheet, wrap={HEADERS.index(h): WIDTHS[h] for h in TEXT_HEADERS})
    count = 0
    for row in rows:
        sheet.append(writer.row(row_values(row)))
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress("export", count, total)
    if progress is not None:
        progress("export", count, count)
    last = f"{COLUMN[HEADERS[-1]]}{count + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.print_area = f"A1:{last}"
    workbook.save(target)
    return count


# --- Import ------------------------------------------------------------------


class Problem(ImportProblem):
    """One thing wrong with the goal-document workbook."""

    headers = HEADERS

    @property
    def order(self) -> tuple[int, int]:
        """Where it is: by row, then by column (headerless first)."""
        return (self.row or 0, _COLUMN_NUMBER.get(self.header, 0))


_COLUMN_NUMBER = {header: n for n, header in enumerate(HEADERS, start=1)}


@dataclass
class ImportResult:
    created: int = 0
    created_staff: list[str] = field(default_factory=list)
    # The first problems by row and column, at most
    # RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS; the others are only counted.
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems


class _Problems:
    """The problems found so far: the first ``limit`` by row and column are
    kept (a heap of the kept ones, the last of them on top), the others only
    counted, so that a workbook full of errors makes neither the memory nor
    the reply grow without bound. A cell that holds a formula gets that
    problem only, not a second one about its value."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.dropped = 0
        self._heap: list[tuple[int, int, int, Problem]] = []
        self._formulas: set[tuple[int, str]] = set()

    def __len__(self) -> int:
        return len(self._heap) + self.dropped

    def append(self, problem: Problem) -> None:
        if problem.row is not None and (problem.row, problem.header) in self._formulas:
            return
        row, column = problem.order
        item = (-row, -column, -(len(self) + 1), problem)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
            return
        self.dropped += 1
        if item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)

    def formula(self, row: int, header: str) -> None:
        self.append(Problem(FORMULA_MESSAGE, row, header))
        self._formulas.add((row, header))

    def sorted(self) -> list[Problem]:
        return [item[3] for item in sorted(self._heap, reverse=True)]


# Excel's own limit for the text of one cell.
MAX_CELL_TEXT = 32_767


@dataclass
class _Row:
    number: int
    personnummer: str = ""
    first_name: str = ""
    last_name: str = ""
    gender: str = ""
    responsible: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    consent_renewal_on: datetime.date | None = None
    texts: dict = field(default_factory=dict)
    moves: dict = field(default_factory=dict)  # period -> category name as written
    closure_reason: str = ""
    closure_result: str = ""
    target_group: str = ""
    sus_consent: bool = False


class _Abort(Exception):
    """Rolls the import's transaction back."""


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date:
    """A cell's date; raises ValueError with the Swedish reason."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if _ISO_DATE.match(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"Ogiltigt datum ”{_shown(text)}”. Ange ett datum, som ÅÅÅÅ-MM-DD.")


def _choice(value, options: dict, header: str, problems, number) -> str:
    """The key of ``options`` whose label is written in the cell ("" for an
    empty cell)."""
    text = _text(value)
    if not text:
        return ""
    for key, label in options.items():
        if text.casefold() == label.casefold():
            return key
    allowed = ", ".join(f"”{label}”" for label in options.values())
    problems.append(Problem(f"Okänt värde ”{_shown(text)}”. Tillåtet: {allowed}.", number, header))
    return ""


def import_workbook(
    source,
    *,
    actor: User,
    create_missing_staff: bool = False,
    today=None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a goal-document workbook: every row becomes a participant with
    goal document and moves. All or nothing: when any cell is wrong,
    nothing is written and the problems are returned with their row and
    column (the first ``RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS`` of them; the
    others are counted). ``actor`` is the staff member who uploads it, or
    the system account for the management command."""
    result = ImportResult()
    problems = _Problems(settings.RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS)
    rows = _read(source, problems, progress)
    if rows is not None:
        _check(rows, problems, result, actor, create_missing_staff, today, progress)
    result.problems = problems.sorted()
    result.more_problems = problems.dropped
    return result


def too_large(limit: int) -> ImportResult:
    """The result for a file refused for its size before it was read (the
    upload page, which knows the request's size first)."""
    return ImportResult(problems=[Problem(refusal(TOO_LARGE, limit))])


def _check(rows, problems, result, actor, create_missing_staff, today, progress=None) -> None:
    if not rows:
        problems.append(Problem("Arbetsboken har inga rader att importera."))
        return
    staff, categories = _check_references(rows, problems, create_missing_staff)
    _check_moves(rows, categories, today or timezone.localdate(), problems)
    _check_duplicates(rows, problems)
    if problems:
        return
    try:
        with transaction.atomic():
            _write(rows, staff, categories, actor, result, problems, progress)
            if problems:
                raise _Abort
    except _Abort:
        result.created = 0
        result.created_staff = []


def _read(source, problems: _Problems, progress: Progress | None = None) -> list[_Row] | None:
    """The workbook's rows, parsed (their problems added), or None when it
    is not read at all: too large, not a workbook, a DTD, wrong headers."""
    rows: list[_Row] = []
    try:
        with open_upload(
            source,
            max_bytes=settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES,
            max_unzipped_bytes=settings.RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES,
            max_rows=settings.RATTINSATS_GOAL_IMPORT_MAX_ROWS,
            max_columns=len(HEADERS),
        ) as sheet:
            problems.extend(_check_headers(sheet.header()))
            if problems:
                return None
            # Streamed row by row, never wider than the contract's columns.
            for number, values, formulas in sheet.rows(HEADERS):
                for header in formulas:
                    problems.formula(number, header)
                _cut_long_texts(number, values, problems)
                if all(_text(v) == "" for v in values):
                    continue
                rows.append(_parse_row(number, values, problems))
                if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                    progress("read", len(rows), None)
    except RefusedWorkbook as exc:
        problems.append(Problem(exc.message))
        return None
    return rows


def _cut_long_texts(number: int, values: list, problems: _Problems) -> None:
    """Refuse text longer than a cell can hold, and cut it (in ``values``)."""
    for index, (header, value) in enumerate(zip(HEADERS, values, strict=False)):
        if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
            problems.append(
                Problem(f"Högst {swedish_number(MAX_CELL_TEXT)} tecken.", number, header)
            )
            values[index] = value[:MAX_CELL_TEXT]


def _shown(text: str, limit: int = 60) -> str:
    """A cell's text as quoted in a problem: never long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_headers(header) -> list[Problem]:
    problems = []
    header = list(header or [])
    for index, expected in enumerate(HEADERS):
        actual = _text(header[index]) if index < len(header) else ""
        if actual != expected:
            if actual:
                message = f"Rubriken ska vara ”{expected}”, inte ”{_shown(actual)}”."
            else:
                message = f"Rubriken ”{expected}” saknas."
            problems.append(Problem(message, 1, expected))
    for index in range(len(HEADERS), len(header)):
        actual = _text(header[index])
        if actual:
            letter = get_column_letter(index + 1)
            problems.append(Problem(f"Kolumn {letter}: okänd kolumn ”{_shown(actual)}”.", 1))
    return problems


def _parse_row(number: int, values, problems: _Problems) -> _Row:
    cells = dict(zip(HEADERS, list(values) + [None] * (len(HEADERS) - len(values)), strict=False))
    row = _Row(number=number)

    def problem(header, message):
        problems.append(Problem(message, number, header))

    text = _text(cells["Personnummer"])
    if not text:
        problem("Personnummer", "Personnummer saknas.")
    else:
        try:
            row.personnummer = parse(text).canonical
        except InvalidPersonnummer:
            problem("Personnummer", "Ogiltigt personnummer eller samordningsnummer.")
    name = _text(cells["Namn"])
    first, _space, last = name.rpartition(" ")
    if not first.strip() or not last.strip():
        problem("Namn", "Ange både förnamn och efternamn.")
    row.first_name, row.last_name = first.strip(), last.strip()
    row.gender = _choice(cells["Kön"], GENDERS, "Kön", problems, number)
    if not row.gender and not _text(cells["Kön"]):
        problem("Kön", "Kön saknas.")
    row.responsible = _text(cells["Ansvarig"])
    for header, attr, required in (
        ("Startdatum", "start_date", True),
        ("Slutdatum", "end_date", False),
        ("Samtycke förnyas", "consent_renewal_on", False),
    ):
        if _text(cells[header]) == "":
            if required:
                problem(header, "Datum saknas.")
            continue
        try:
            setattr(row, attr, _date(cells[header]))
        except ValueError as exc:
            problem(header, str(exc))
    if row.start_date and row.end_date and row.end_date < row.start_date:
        problem("Slutdatum", "Slutdatumet är före startdatumet.")
    row.texts = {
        "goal": _text(cells["Mål"]),
        "delmal_1": _text(cells["Delmål 1"]),
        "delmal_2": _text(cells["Delmål 2"]),
        "delmal_3": _text(cells["Delmål 3"]),
        "continuation_reason": _text(cells["Motivering till fortsättning"]),
        "employment_subsidy": _text(cells["Anställningsstöd"]),
        "other": _text(cells["Övrigt"]),
    }
    if len(row.texts["employment_subsidy"]) > 200:
        problem("Anställningsstöd", "Högst 200 tecken.")
    for k, header in enumerate(MOVE_HEADERS, start=1):
        written = _text(cells[header])
        if written:
            row.moves[k] = written
    row.closure_reason = _choice(
        cells["Avslutsorsak"], CLOSURE_REASONS, "Avslutsorsak", problems, number
    )
    row.closure_result = _choice(cells["Resultat"], RESULTS, "Resultat", problems, number)
    has_end = _text(cells["Slutdatum"]) != ""
    has_reason = _text(cells["Avslutsorsak"]) != ""
    if has_end and not has_reason:
        problem("Avslutsorsak", "Avslutsorsak krävs när Slutdatum är ifyllt.")
    if has_reason and not has_end:
        problem("Avslutsorsak", "Avslutsorsak anges bara när Slutdatum är ifyllt.")
    if row.closure_result and row.closure_reason not in ("arbete", "studier"):
        problem("Resultat", "Resultat anges bara vid avslut med Arbete eller Studier.")
    row.target_group = _choice(cells["Målgrupp"], TARGET_GROUPS, "Målgrupp", problems, number)
    sus = _choice(cells["SUS-samtycke"], YES_NO_TEXT, "SUS-samtycke", problems, number)
    if not _text(cells["SUS-samtycke"]):
        problem("SUS-samtycke", "Ange ”Ja” eller ”Nej”.")
    row.sus_consent = sus == "ja"
    return row


def _check_references(rows, problems, create_missing_staff):
    usernames = {row.responsible for row in rows if row.responsible}
    staff = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for row in rows:
        if not row.responsible:
            continue
        user = staff.get(row.responsible)
        if user is None:
            if not create_missing_staff:
                problems.append(
                    Problem(
                        f"Det finns ingen användare ”{_shown(row.responsible)}”.",
                        row.number,
                        "Ansvarig",
                    )
                )
        elif user.role not in (Role.STAFF, Role.EMPLOYMENT_OFFICER):
            problems.append(
                Problem(
                    f"”{_shown(row.responsible)}” är inte projektmedarbetare.",
                    row.number,
                    "Ansvarig",
                )
            )
    categories = {c.name.casefold(): c for c in MoveCategory.objects.all()}
    return staff, categories


def _check_moves(rows, categories, today, problems):
    names = ", ".join(f"”{c.name}”" for c in sorted(categories.values(), key=lambda c: c.order))
    for row in rows:
        if (
            any(k > PERIODS_WITHOUT_REASON for k in row.moves)
            and not row.texts["continuation_reason"]
        ):
            problems.append(
                Problem(
                    "Motivering till fortsättning krävs när en period efter månad 12 är ifylld.",
                    row.number,
                    "Motivering till fortsättning",
                )
            )
        for k, written in row.moves.items():
            header = MOVE_HEADERS[k - 1]
            if written.casefold() not in categories:
                problems.append(
                    Problem(
                        f"Okänd kategori ”{_shown(written)}”. Tillåtet: {names}.",
                        row.number,
                        header,
                    )
                )
                continue
            if row.start_date is None:
                continue
            reason = move_problem(
                start_date=row.start_date,
                end_date=row.end_date,
                period=k,
                today=today,
                continuation_reason="checked above",
            )
            if reason:
                problems.append(Problem(reason, row.number, header))


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    far = datetime.date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


def _check_duplicates(rows, problems):
    numbers = {row.personnummer for row in rows if row.personnummer}
    existing: dict[str, list[tuple[datetime.date, datetime.date | None]]] = {}
    for number, start, end in Participant.objects.filter(personnummer__in=numbers).values_list(
        "personnummer", "start_date", "end_date"
    ):
        existing.setdefault(number, []).append((start, end))
    seen: dict[str, list[_Row]] = {}
    for row in rows:
        if not row.personnummer or row.start_date is None:
            continue
        for earlier in seen.get(row.personnummer, []):
            if _overlaps(row.start_date, row.end_date, earlier.start_date, earlier.end_date):
                problems.append(
                    Problem(
                        f"Samma person finns redan på rad {earlier.number} "
                        "med ett deltagande som överlappar.",
                        row.number,
                        "Personnummer",
                    )
                )
                break
        seen.setdefault(row.personnummer, []).append(row)
        for start, end in existing.get(row.personnummer, []):
            if _overlaps(row.start_date, row.end_date, start, end):
                problems.append(
                    Problem(
                        "Personen finns redan i systemet med ett deltagande som överlappar.",
                        row.number,
                        "Personnummer",
                    )
                )
                break


def _staff_create(username: str, actor: User) -> User:
    """An account for a responsible staff member the workbook names but the
    app does not know: inactive, without a password."""
    return account_create(
        actor=actor,
        username=username,
        role=Role.STAFF,
        is_active=False,
        detail="import, inaktiv",
    )


# Which column a service's field error belongs to.
_FIELD_HEADERS = {
    "personnummer": "Personnummer",
    "first_name": "Namn",
    "last_name": "Namn",
    "gender": "Kön",
    "responsible": "Ansvarig",
    "start_date": "Startdatum",
    "end_date": "Slutdatum",
    "closure_reason": "Avslutsorsak",
    "closure_result": "Resultat",
    "target_group": "Målgrupp",
    "goal": "Mål",
    "employment_subsidy": "Anställningsstöd",
    "consent_renewal_on": "Samtycke förnyas",
}


def _write(rows, staff, categories, actor, result, problems, progress=None):
    for done, row in enumerate(rows, start=1):
        try:
            with transaction.atomic():
                _write_row(row, staff, categories, actor, result)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for name, messages in errors.items():
                for message in messages:
                    problems.append(Problem(message, row.number, _FIELD_HEADERS.get(name, "")))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress("write", done, len(rows))


def _write_row(row: _Row, staff, categories, actor, result):
    responsible = None
    if row.responsible:
        responsible = staff.get(row.responsible)
        if responsible is None:
            responsible = _staff_create(row.responsible, actor)
            staff[row.responsible] = responsible
            result.created_staff.append(row.responsible)
    active = responsible if responsible is not None and responsible.is_casework else None
    if row.start_date is None:  # refused when read: a row without one is never written
        raise ValidationError({"start_date": "Datum saknas."})
    participant = participant_create(
        actor=actor,
        personnummer=row.personnummer,
        first_name=row.first_name,
        last_name=row.last_name,
        gender=row.gender,
        start_date=row.start_date,
        responsible=active,
        target_group=row.target_group,
        sus_consent=row.sus_consent,
        audit=False,
    )
    if responsible is not None and active is None:
        participant_import_responsible(
            actor=actor, participant=participant, responsible=responsible, audit=False
        )
    if row.end_date:
        participant_import_closure(
            actor=actor,
            participant=participant,
            end_date=row.end_date,
            closure_reason=row.closure_reason,
            closure_result=row.closure_result,
            audit=False,
        )
    fields = dict(row.texts, consent_renewal_on=row.consent_renewal_on)
    for n in (1, 2, 3):
        if fields[f"delmal_{n}"]:
            fields[f"delmal_{n}_status"] = "pagaende"
    moves = {k: categories[name.casefold()] for k, name in row.moves.items()}
    goal_document_import_write(actor=actor, participant=participant, fields=fields, moves=moves)
    result.created += 1


def system_actor() -> User:
    """The account the management command imports as: project staff that
    cannot log in (no password), carries no workload (capacity 0) and sees
    no participant, so that the audit trail names the import."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = account_create(
            actor=None,
            username=SYSTEM_USERNAME,
            first_name="Systemimport",
            role=Role.STAFF,
            capacity=0,
            detail="systemimport",
        )
    return user
