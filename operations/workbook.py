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
import pickle  # noqa: S403 - only our own temporary file, written by this module
import re
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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
from mapping.services import (
    goal_document_import_prepare,
    goal_documents_import_bulk,
    move_problem,
)
from participants.models import Participant
from participants.periods import PERIODS_WITHOUT_REASON
from participants.services import participant_import_prepare, participants_import_bulk
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
    shown,
    swedish_number,
    write_checked_rows,
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
    # writes fastest, and an empty value is no cell at all.
    writer = RowWriter(
        sheet, wrap={HEADERS.index(h): WIDTHS[h] for h in TEXT_HEADERS}, blank_empty=True
    )
    write_checked_rows(sheet)  # every row below comes from the writer
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
    raise ValueError(f"Ogiltigt datum ”{shown(text)}”. Ange ett datum, som ÅÅÅÅ-MM-DD.")


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
    problems.append(Problem(f"Okänt värde ”{shown(text)}”. Tillåtet: {allowed}.", number, header))
    return ""


# How many rows the import checks, keeps on disk and writes at a time: its
# memory stays the same whatever the number of rows.
IMPORT_CHUNK = 500
# The duplicate check keeps one integer a row: the personnummer (12 digits,
# below 2**40) above, the row's position among the checked rows (below
# 2**23, beyond Excel's 1,048,576 rows) below.
_POSITION_BITS = 23
_POSITION_MASK = (1 << _POSITION_BITS) - 1


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
    the system account for the management command.

    Two streamed passes, so that memory does not grow with the rows. The
    first reads and checks the whole workbook, chunk by chunk, keeping only
    what the checks across rows need (one integer and three small ones per
    row for the duplicate check, the staff names) and writing the parsed
    rows to a temporary file. Only a workbook without problems gets the
    second pass, which reads that file back and writes it in one
    transaction, a chunk at a time with the services' bulk variants
    (``participants_import_bulk``, ``goal_documents_import_bulk``): the
    same checks and messages as the row-by-row services, the same rows,
    and one *import* event per participant."""
    result = ImportResult()
    problems = _Problems(settings.RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS)
    with tempfile.TemporaryFile() as spill:
        checked = _check_pass(
            source, spill, problems, create_missing_staff, today or timezone.localdate(), progress
        )
        if checked is not None and not problems:
            _write_pass(checked, spill, actor, result, problems, progress)
    result.problems = problems.sorted()
    result.more_problems = problems.dropped
    return result


def too_large(limit: int) -> ImportResult:
    """The result for a file refused for its size before it was read (the
    upload page, which knows the request's size first)."""
    return ImportResult(problems=[Problem(refusal(TOO_LARGE, limit))])


# What the first pass found of a responsible named in the workbook.
_STAFF_OK, _STAFF_MISSING, _STAFF_NOT_CASEWORK = 0, 1, 2


@dataclass
class _Checked:
    """What the first pass keeps for the checks across rows and for the
    second pass: small, whatever the number of rows."""

    problems: _Problems
    create_missing_staff: bool
    today: datetime.date
    categories: dict[str, MoveCategory]
    staff: dict[str, int] = field(default_factory=dict)  # username -> _STAFF_*
    missing: dict[str, None] = field(default_factory=dict)  # to create, in order
    rows: int = 0
    spilling: bool = True
    # The duplicate check's keys, and per position the row number and the
    # participation's dates (ordinals; 0 for no end date).
    keys: array = field(default_factory=lambda: array("q"))
    numbers: array = field(default_factory=lambda: array("i"))
    starts: array = field(default_factory=lambda: array("i"))
    ends: array = field(default_factory=lambda: array("i"))


def _check_pass(
    source, spill, problems: _Problems, create_missing_staff, today, progress=None
) -> _Checked | None:
    """Read and check the whole workbook, streamed; write the rows to
    ``spill`` while no problem has been found. None when the workbook is
    not read at all (too large, not a workbook, a DTD, wrong headers) or
    has no rows."""
    checked = _Checked(
        problems=problems,
        create_missing_staff=create_missing_staff,
        today=today,
        categories={c.name.casefold(): c for c in MoveCategory.objects.all()},
    )
    try:
        with open_upload(
            source,
            max_bytes=settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES,
            max_unzipped_bytes=settings.RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES,
            max_rows=settings.RATTINSATS_GOAL_IMPORT_MAX_ROWS,
            max_columns=len(HEADERS),
        ) as sheet:
            problems.extend(Problem.in_header(sheet.header(), _text))
            if problems:
                return None
            # Streamed row by row, never wider than the contract's columns.
            chunk: list[_Row] = []
            for number, values, formulas in sheet.rows(HEADERS):
                for header in formulas:
                    problems.formula(number, header)
                _cut_long_texts(number, values, problems)
                if all(_text(v) == "" for v in values):
                    continue
                chunk.append(_parse_row(number, values, problems))
                checked.rows += 1
                if len(chunk) == IMPORT_CHUNK:
                    _check_chunk(chunk, checked, spill)
                    chunk = []
                if progress is not None and checked.rows % PROGRESS_EVERY == 0:
                    progress("read", checked.rows, None)
            _check_chunk(chunk, checked, spill)
    except RefusedWorkbook as exc:
        problems.append(Problem(exc.message))
        return None
    if progress is not None:
        progress("read", checked.rows, checked.rows)
    if not checked.rows:
        problems.append(Problem("Arbetsboken har inga rader att importera."))
        return None
    _check_duplicates(checked)
    return checked


def _check_chunk(rows: list[_Row], checked: _Checked, spill) -> None:
    """The checks of a chunk of rows that need the database or other rows;
    the rows go to ``spill`` as long as the workbook has no problem."""
    if not rows:
        return
    _check_references(rows, checked)
    _check_moves(rows, checked.categories, checked.today, checked.problems)
    for row in rows:
        if not row.personnummer or row.start_date is None:
            continue
        checked.keys.append(int(row.personnummer) << _POSITION_BITS | len(checked.numbers))
        checked.numbers.append(row.number)
        checked.starts.append(row.start_date.toordinal())
        checked.ends.append(row.end_date.toordinal() if row.end_date else 0)
    checked.spilling = checked.spilling and not checked.problems
    if checked.spilling:
        pickle.dump([_row_tuple(row) for row in rows], spill, protocol=pickle.HIGHEST_PROTOCOL)


_ROW_FIELDS = [f.name for f in fields(_Row)]


def _row_tuple(row: _Row) -> tuple:
    return tuple(getattr(row, name) for name in _ROW_FIELDS)


def _cut_long_texts(number: int, values: list, problems: _Problems) -> None:
    """Refuse text longer than a cell can hold, and cut it (in ``values``)."""
    for index, (header, value) in enumerate(zip(HEADERS, values, strict=False)):
        if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
            problems.append(
                Problem(f"Högst {swedish_number(MAX_CELL_TEXT)} tecken.", number, header)
            )
            values[index] = value[:MAX_CELL_TEXT]


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


def _check_references(rows: list[_Row], checked: _Checked) -> None:
    """Each row's responsible: a user, and project staff (or, with
    ``create_missing_staff``, a name to create an account for). Each name is
    looked up once, a chunk's new names in one query."""
    new = {row.responsible for row in rows if row.responsible} - checked.staff.keys()
    if new:
        found = dict(User.objects.filter(username__in=new).values_list("username", "role"))
        for username in new:
            role = found.get(username)
            checked.staff[username] = (
                _STAFF_MISSING
                if role is None
                else _STAFF_OK
                if role in (Role.STAFF, Role.EMPLOYMENT_OFFICER)
                else _STAFF_NOT_CASEWORK
            )
    for row in rows:
        if not row.responsible:
            continue
        verdict = checked.staff[row.responsible]
        if verdict == _STAFF_MISSING:
            if checked.create_missing_staff:
                checked.missing.setdefault(row.responsible)
            else:
                checked.problems.append(
                    Problem(
                        f"Det finns ingen användare ”{shown(row.responsible)}”.",
                        row.number,
                        "Ansvarig",
                    )
                )
        elif verdict == _STAFF_NOT_CASEWORK:
            checked.problems.append(
                Problem(
                    f"”{shown(row.responsible)}” är inte projektmedarbetare.",
                    row.number,
                    "Ansvarig",
                )
            )


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
                        f"Okänd kategori ”{shown(written)}”. Tillåtet: {names}.",
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


def _check_duplicates(checked: _Checked) -> None:
    """The same person twice with overlapping participations, in the
    workbook or already in the database. The keys are sorted by person and
    row, so each person's rows come together in the workbook's order; the
    database is asked for the participations of a chunk of people at a
    time."""
    problems = checked.problems
    keys = sorted(checked.keys)
    checked.keys = array("q")
    at = 0
    while at < len(keys):
        people: list[tuple[str, list[int]]] = []
        while at < len(keys) and len(people) < IMPORT_CHUNK:
            person = keys[at] >> _POSITION_BITS
            positions = []
            while at < len(keys) and keys[at] >> _POSITION_BITS == person:
                positions.append(keys[at] & _POSITION_MASK)
                at += 1
            people.append((f"{person:012d}", positions))
        existing: dict[str, list[tuple[datetime.date, datetime.date | None]]] = {}
        for number, start, end in Participant.objects.filter(
            personnummer__in=[personnummer for personnummer, _positions in people]
        ).values_list("personnummer", "start_date", "end_date"):
            existing.setdefault(number, []).append((start, end))
        for personnummer, positions in people:
            earlier: list[tuple[int, datetime.date, datetime.date | None]] = []
            for position in positions:
                number = checked.numbers[position]
                start = datetime.date.fromordinal(checked.starts[position])
                end_ordinal = checked.ends[position]
                end = datetime.date.fromordinal(end_ordinal) if end_ordinal else None
                for earlier_number, earlier_start, earlier_end in earlier:
                    if _overlaps(start, end, earlier_start, earlier_end):
                        problems.append(
                            Problem(
                                f"Samma person finns redan på rad {earlier_number} "
                                "med ett deltagande som överlappar.",
                                number,
                                "Personnummer",
                            )
                        )
                        break
                earlier.append((number, start, end))
                for other_start, other_end in existing.get(personnummer, []):
                    if _overlaps(start, end, other_start, other_end):
                        problems.append(
                            Problem(
                                "Personen finns redan i systemet med ett deltagande som "
                                "överlappar.",
                                number,
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


def _add_errors(problems: _Problems, exc: ValidationError, number: int | None) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for name, messages in errors.items():
        for message in messages:
            problems.append(Problem(message, number, _FIELD_HEADERS.get(name, "")))


def _write_pass(checked: _Checked, spill, actor, result, problems, progress=None) -> None:
    """Write the checked rows back from ``spill``, a chunk at a time, in one
    transaction; anything the services refuse rolls all of it back."""
    spill.seek(0)
    try:
        with transaction.atomic():
            created: dict[str, User] = {}
            for username in checked.missing:
                created[username] = _staff_create(username, actor)
                result.created_staff.append(username)
            done = 0
            while True:
                try:
                    chunk = pickle.load(spill)  # noqa: S301 - our own file, written above
                except EOFError:
                    break
                _write_chunk([_Row(*values) for values in chunk], checked, created, actor, result)
                done += len(chunk)
                if progress is not None:
                    progress("write", done, checked.rows)
            if problems:
                raise _Abort
    except _Abort:
        result.created = 0
        result.created_staff = []


def _write_chunk(rows: list[_Row], checked: _Checked, created, actor, result) -> None:
    """Check a chunk with the services' rules and, while the import has no
    problem, save it with their bulk variants."""
    problems = checked.problems
    usernames = {row.responsible for row in rows if row.responsible} - created.keys()
    staff = {user.username: user for user in User.objects.filter(username__in=usernames)}
    staff.update(created)
    prepared = []
    for row in rows:
        if row.start_date is None:  # refused when read: a row without one is never written
            problems.append(Problem("Datum saknas.", row.number, "Startdatum"))
            continue
        values = dict(row.texts, consent_renewal_on=row.consent_renewal_on)
        for n in (1, 2, 3):
            if values[f"delmal_{n}"]:
                values[f"delmal_{n}_status"] = "pagaende"
        try:
            participant = participant_import_prepare(
                actor=actor,
                personnummer=row.personnummer,
                first_name=row.first_name,
                last_name=row.last_name,
                gender=row.gender,
                start_date=row.start_date,
                responsible=staff.get(row.responsible) if row.responsible else None,
                target_group=row.target_group,
                sus_consent=row.sus_consent,
                end_date=row.end_date,
                closure_reason=row.closure_reason,
                closure_result=row.closure_result,
            )
            prepared.append(
                goal_document_import_prepare(
                    actor=actor,
                    participant=participant,
                    fields=values,
                    moves={k: checked.categories[name.casefold()] for k, name in row.moves.items()},
                    today=checked.today,
                )
            )
        except ValidationError as exc:
            _add_errors(problems, exc, row.number)
    if problems:
        return  # nothing more is written; the rest is still checked
    try:
        participants_import_bulk(actor=actor, participants=[d.participant for d in prepared])
    except ValidationError as exc:
        _add_errors(problems, exc, None)
        return
    goal_documents_import_bulk(actor=actor, documents=prepared)
    result.created += len(prepared)


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
