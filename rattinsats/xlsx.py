"""Writing spreadsheets safely (CWE-1236, formula injection).

Every workbook the app writes goes through these helpers for its text
cells: a value is always written as a string cell, never as a formula, so
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(typed into a form or read from an imported workbook) stays text in Excel
and LibreOffice. Such cells also get Excel's *quote prefix*, so that editing
the cell keeps it text.

Also here: the workbook properties and print setup every workbook shares
(:func:`set_properties`, :func:`print_setup`), :func:`check_upload`,
which looks at an uploaded workbook's zip and XML before openpyxl opens it
(sizes, rows, no DTD or entities; README, "Security"), and
:func:`open_upload`, which checks an upload, opens it and streams its first
sheet for the imports, refusing formulas, with every refusal worded (in
Swedish) in one place, :func:`refusal`.
"""

from __future__ import annotations

import datetime
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, ClassVar, Self
from xml.parsers import expat

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.properties import PageSetupProperties

from rattinsats import sheet_reader

CREATOR = "Rätt insats"

# The first characters that make a spreadsheet treat text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def clean_text(value: str) -> str:
    """The text without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def set_text(cell: Cell, value: str) -> Cell:
    """Put ``value`` into ``cell`` as a string, never a formula."""
    value = clean_text(value)
    cell.value = value
    cell.data_type = "s"
    if is_risky(value):
        cell.quotePrefix = True
    return cell


# Excel's limit for the text of one cell, which openpyxl cuts text to.
_CELL_TEXT_LIMIT = 32_767
# Free text longer than its column: wrapped, from the top of the cell.
WRAPPED = Alignment(wrap_text=True, vertical="top")
# What needs a second look in a string: a control character a workbook
# cannot hold, or a first character that makes it a formula.
_TRIGGER_CLASS = "[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
_NEEDS_CARE = re.compile(ILLEGAL_CHARACTERS_RE.pattern + "|^" + _TRIGGER_CLASS)
# The same over a row's texts joined by line breaks: one search a row finds
# every row that needs a second look (and a few more, which get it).
_ROW_NEEDS_CARE = re.compile(ILLEGAL_CHARACTERS_RE.pattern + "|(?m:^" + _TRIGGER_CLASS + ")")


class RowWriter:
    """Rows for a write-only worksheet (``ws.append(writer.row(values))``),
    made fast for exports of many rows. Plain values stay plain (openpyxl
    writes those fastest); text that a spreadsheet could take for a formula
    becomes a typed string cell with a quote prefix; text in a ``wrap``
    column (0-based index: the column's width in characters) that is longer
    than the column or holds a line break becomes a string cell whose text
    wraps, from the top. A styled cell costs openpyxl several times a plain
    value, so only the text that needs it gets one; the styles are looked up
    once."""

    def __init__(self, ws, *, wrap: Mapping[int, float] | None = None, blank_empty: bool = False):
        self.ws = ws
        self.wrap = dict(wrap or {})
        # Empty text as no cell at all: openpyxl writes nothing for None,
        # where an empty string still costs it a cell of its own.
        self.blank_empty = blank_empty
        self._styles = {}
        for quoted in (False, True):
            for wrapped in (False, True):
                proto = WriteOnlyCell(ws)
                if quoted:
                    proto.quotePrefix = True
                if wrapped:
                    proto.alignment = WRAPPED
                self._styles[quoted, wrapped] = proto._style

    def text(self, value: str, *, wrap: bool = False) -> Cell:
        """``value`` as a string cell (wrapped if asked), never a formula."""
        value = clean_text(value)
        return self._cell(value, quoted=value.startswith(FORMULA_TRIGGERS), wrapped=wrap)

    def _cell(self, value: str, *, quoted: bool, wrapped: bool) -> Cell:
        cell = Cell(self.ws, row=1, column=1, style_array=self._styles[quoted, wrapped])
        # Set as a string without openpyxl's own reading of the value, which
        # would make "=…" a formula: it is clean text already (cut, as
        # openpyxl cuts it, to what one cell holds).
        cell._value = value[:_CELL_TEXT_LIMIT]
        cell.data_type = "s"
        return cell

    def row(self, values: Iterable[Any]) -> list[Any]:
        row = [None if v == "" else v for v in values] if self.blank_empty else list(values)
        if _ROW_NEEDS_CARE.search("\n".join([v for v in row if isinstance(v, str)])):
            return self._careful_row(row)
        # The common row: nothing to clean, nothing risky; only long free
        # text to wrap.
        for index, width in self.wrap.items():
            value = row[index] if index < len(row) else None
            if isinstance(value, str) and (len(value) > width or "\n" in value):
                row[index] = self._cell(value, quoted=False, wrapped=True)
        return row

    def _careful_row(self, row: list[Any]) -> list[Any]:
        wrap = self.wrap
        for index, value in enumerate(row):
            if isinstance(value, str) and value:
                quoted = False
                if _NEEDS_CARE.search(value):
                    value = clean_text(value)
                    quoted = value.startswith(FORMULA_TRIGGERS)
                width = wrap.get(index)
                wrapped = width is not None and (len(value) > width or "\n" in value)
                if quoted or wrapped:
                    value = self._cell(value, quoted=quoted, wrapped=wrapped)
                row[index] = value
        return row


def _checked_values_to_row(self, values, row_idx):
    """openpyxl's ``WriteOnlyWorksheet._values_to_row`` for rows made by
    :class:`RowWriter`: their plain text has been checked already (no
    character a workbook cannot hold, nothing a spreadsheet would take for
    a formula; anything else became a typed cell), so it is set as text
    without openpyxl's second look at every string. Every other value goes
    through openpyxl as before."""
    cell = WriteOnlyCell(self)
    date_style = _date_style(self)
    for col_idx, value in enumerate(values, 1):
        if value is None:
            continue
        if type(value) is str and len(value) <= _CELL_TEXT_LIMIT:
            cell._value = value
            cell.data_type = "s"
        elif type(value) is datetime.date:
            # As openpyxl binds a date (a date cell with its date format),
            # the format's style made once a sheet rather than looked up
            # for every cell.
            cell._value = value
            cell.data_type = "d"
            cell._style = date_style
        elif isinstance(value, Cell):
            cell = value
        else:
            cell.value = value
        cell.column = col_idx
        cell.row = row_idx
        yield cell
        if cell.has_style:
            cell = WriteOnlyCell(self)


def _date_style(ws):
    """The style openpyxl gives a date cell of ``ws`` (its date format),
    made once a sheet."""
    style = ws.__dict__.get("_rattinsats_date_style")
    if style is None:
        proto = WriteOnlyCell(ws, value=datetime.date(2000, 1, 1))
        style = ws.__dict__["_rattinsats_date_style"] = proto._style
    return style


def write_checked_rows(ws) -> None:
    """Let the write-only sheet ``ws`` take rows from :class:`RowWriter`
    (and nothing else) without checking their text again
    (:func:`_checked_values_to_row`); a version of openpyxl without that
    method keeps its own."""
    if callable(getattr(ws, "_values_to_row", None)):
        ws._values_to_row = _checked_values_to_row.__get__(ws)


def write_only_row(ws, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only worksheet (``ws.append``): plain values as they
    are (fast), and text that a spreadsheet could take for a formula as a
    typed string cell with a quote prefix."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = clean_text(value)
            if value.startswith(FORMULA_TRIGGERS):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                cell.quotePrefix = True
                row.append(cell)
                continue
        row.append(value)
    return row


def append_row(ws, values: Iterable[Any]) -> None:
    """``ws.append`` for any worksheet, with the same protection."""
    ws.append(write_only_row(ws, values) if _write_only(ws) else _plain(values))
    if not _write_only(ws):
        for cell in ws[ws.max_row]:
            if is_risky(cell.value) or cell.data_type == "f":
                set_text(cell, str(cell.value))


def _write_only(ws) -> bool:
    return type(ws).__name__ == "WriteOnlyWorksheet"


def _plain(values: Iterable[Any]) -> list[Any]:
    return [clean_text(v) if isinstance(v, str) else v for v in values]


# --- Properties and printing -----------------------------------------------------


def set_properties(workbook, title: str) -> None:
    """The workbook's title, and "Rätt insats" as the one who made it (shown
    by Excel and LibreOffice under the file's properties)."""
    workbook.properties.title = title
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR


def print_setup(ws, *, landscape: bool = False, title_rows: str | None = None) -> None:
    """A4, fitted to the page's width (as many pages down as it takes),
    ``title_rows`` (e.g. ``"1:1"``) repeated on every page. On a write-only
    sheet call it before the first row is appended: the fit-to-page switch
    is written at the top of the sheet."""
    ws.page_setup.paperSize = 9  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


# --- Uploaded workbooks ----------------------------------------------------------

# Why an uploaded workbook is refused (RefusedWorkbook.reason); refusal()
# words the message.
NOT_A_WORKBOOK = "not_a_workbook"
TOO_LARGE = "too_large"
TOO_LARGE_UNZIPPED = "too_large_unzipped"
TOO_MANY_ROWS = "too_many_rows"
XML_DECLARATIONS = "xml_declarations"  # a DTD, entities, external references
TOO_COMPLEX = "too_complex"
NO_SHEET = "no_sheet"  # opened, but without a worksheet

# More than any workbook an office program writes; beyond them a workbook
# is refused as built to exhaust the server.
MAX_MEMBERS = 1000
MAX_CELLS_PER_ROW = 16_384  # Excel's last column, XFD
MAX_ELEMENTS_PER_ROW = 8 * MAX_CELLS_PER_ROW
MAX_ELEMENTS_PER_PART = 100_000  # of any part but a sheet's rows and the strings

# How a part that an XML parser would read begins (after any whitespace):
# "<" in UTF-8, UTF-16 and UTF-32, or the EBCDIC XML declaration libxml2
# recognises.
_XML_STARTS = (
    ("utf-8", "<"),
    ("utf-16-le", "<"),
    ("utf-16-be", "<"),
    ("utf-32-le", "<"),
    ("utf-32-be", "<"),
)
_BOMS = (
    b"\x00\x00\xfe\xff",
    b"\xff\xfe\x00\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
)


class RefusedWorkbook(Exception):
    """An uploaded workbook that is not opened, or not read, at all;
    ``reason`` is one of the constants above, ``limit`` the limit it went
    over (if any), ``message`` why, in Swedish."""

    def __init__(self, reason: str, limit: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.limit = limit

    @property
    def message(self) -> str:
        return refusal(self.reason, self.limit)


def check_upload(
    source: IO[bytes],
    *,
    max_bytes: int,
    max_unzipped_bytes: int,
    max_rows: int,
    max_columns: int,
) -> None:
    """Look at an uploaded .xlsx before openpyxl opens it; raise
    :class:`RefusedWorkbook` when it is not to be opened. Checks, in order:
    the file's size; that it is a zip of at most :data:`MAX_MEMBERS` parts
    whose sizes *as the zip declares them* add up to at most
    ``max_unzipped_bytes`` (Python's zipfile never unpacks more than a
    part declares, so this bounds what reading can unpack); then every part
    that an XML parser would read, streamed through defusedxml with DTDs
    forbidden (so no entity, external reference or "billion laughs" is ever
    declared), counting as it goes: a sheet at most ``max_rows`` rows below
    its header (none numbered beyond) and :data:`MAX_CELLS_PER_ROW` cells a
    row, the shared strings at most (``max_rows`` + 1) × ``max_columns``
    plus a margin, any other part at most :data:`MAX_ELEMENTS_PER_PART`
    elements. openpyxl builds whole trees of the parts it does not stream,
    and whole rows: these limits keep them small. Leaves ``source`` at its
    start."""
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    if size > max_bytes:
        raise RefusedWorkbook(TOO_LARGE, max_bytes)
    try:
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise RefusedWorkbook(NOT_A_WORKBOOK) from exc
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_MEMBERS:
                raise RefusedWorkbook(TOO_COMPLEX)
            if sum(m.file_size for m in members) > max_unzipped_bytes:
                raise RefusedWorkbook(TOO_LARGE_UNZIPPED, max_unzipped_bytes)
            max_strings = (max_rows + 1) * max_columns + 1000
            for member in members:
                try:
                    with archive.open(member) as part:
                        _check_part(part, max_rows=max_rows, max_strings=max_strings)
                except RefusedWorkbook:
                    raise
                except (
                    zipfile.BadZipFile,
                    NotImplementedError,  # a compression zipfile cannot unpack
                    RuntimeError,  # encrypted
                    EOFError,
                    OSError,
                    ValueError,
                    zlib.error,
                ) as exc:
                    raise RefusedWorkbook(NOT_A_WORKBOOK) from exc
    finally:
        source.seek(0)


class _Peek:
    """A part's stream with its first bytes already read."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            cut = len(self.head) if size < 0 else size
            data, self.head = self.head[:cut], self.head[cut:]
            return data
        return self.stream.read(size)


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith(b"\x4c\x6f\xa7\x94"):  # "<?xm" in EBCDIC
        return True
    for bom in _BOMS:
        if head.startswith(bom):
            return True
    for encoding, start in _XML_STARTS:
        if head.decode(encoding, errors="ignore").lstrip(" \t\r\n").startswith(start):
            return True
    return False


def _check_part(part: IO[bytes], *, max_rows: int, max_strings: int) -> None:
    head = part.read(512)
    if not _looks_like_xml(head):
        return  # a picture or printer settings: no XML parser reads it
    parser = expat.ParserCreate()
    # What defusedxml's forbid_dtd does: a DTD is refused where it begins,
    # before any entity in it is declared, let alone expanded.
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler, parser.EndElementHandler = _counters(max_rows, max_strings)
    try:
        parser.ParseFile(_Peek(head, part))
    except DefusedXmlException as exc:
        raise RefusedWorkbook(XML_DECLARATIONS) from exc
    except expat.ExpatError as exc:
        raise RefusedWorkbook(NOT_A_WORKBOOK) from exc


def _forbid_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name, *args):
    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _counters(max_rows: int, max_strings: int):
    """expat's start and end callbacks that count a part's elements as they
    are read (several times faster than building elements with iterparse)."""
    root = ""
    depth = 0  # of the element being read
    data_depth = 0  # of a sheet's sheetData while inside it
    rows = cells = in_row = elements = strings = 0
    last_row = max_rows + 1  # the header and max_rows rows

    def start(name: str, attrs: dict) -> None:
        nonlocal root, depth, data_depth, rows, cells, in_row, elements, strings
        depth += 1
        if ":" in name:
            name = name.rpartition(":")[2]
        if data_depth and depth > data_depth:
            # A sheet's cells: as many rows as the import takes, rows as
            # wide as Excel's.
            if depth == data_depth + 1:
                rows += 1
                number = attrs.get("r", "")
                if rows > last_row or (number.isdigit() and int(number) > last_row):
                    raise RefusedWorkbook(TOO_MANY_ROWS, max_rows)
                cells = in_row = 0
                return
            in_row += 1
            if name == "c":
                cells += 1
                if cells > MAX_CELLS_PER_ROW:
                    raise RefusedWorkbook(TOO_COMPLEX)
            elif in_row > MAX_ELEMENTS_PER_ROW:
                raise RefusedWorkbook(TOO_COMPLEX)
            return
        if not root:
            root = name
        if name == "sheetData" and root in ("worksheet", "dialogsheet"):
            data_depth = depth
            return
        if root == "sst":
            if name == "si":
                strings += 1
                if strings > max_strings:
                    raise RefusedWorkbook(TOO_COMPLEX)
            return
        elements += 1
        if elements > MAX_ELEMENTS_PER_PART:
            raise RefusedWorkbook(TOO_COMPLEX)

    def end(name: str) -> None:
        nonlocal depth, data_depth
        depth -= 1
        if depth < data_depth:
            data_depth = 0

    return start, end


# --- Reading an uploaded workbook --------------------------------------------------


@dataclass
class ImportProblem:
    """One thing wrong with an imported workbook, where it is and why
    (Swedish): its ``row`` (None for the whole file) and the ``header`` of
    its column ("" for the whole row). An import's subclass names its
    columns, in order (``headers``)."""

    headers: ClassVar[Sequence[str]] = ()

    message: str
    row: int | None = None
    header: str = ""

    @property
    def column(self) -> str:
        """The column's letter ("" when it has none)."""
        if self.header in self.headers:
            return get_column_letter(list(self.headers).index(self.header) + 1)
        return ""

    def __str__(self):
        if self.row is None:
            return self.message
        if not self.header:
            return f"Rad {self.row}: {self.message}"
        return f"Rad {self.row}, kolumn {self.column} ({self.header}): {self.message}"

    @classmethod
    def in_header(
        cls,
        header: Sequence[Any] | None,
        text: Callable[[Any], str],
        *,
        extra: Collection[str] = (),
    ) -> list[Self]:
        """What is wrong with a sheet's first row (its values, read with
        ``text``): each of ``headers`` in its own column, in order, and
        after them no column but those of ``extra`` (which an export writes
        for the reader and the import passes over)."""
        problems = []
        header = list(header or [])
        for index, expected in enumerate(cls.headers):
            actual = text(header[index]) if index < len(header) else ""
            if actual != expected:
                if actual:
                    message = f"Rubriken ska vara ”{expected}”, inte ”{shown(actual)}”."
                else:
                    message = f"Rubriken ”{expected}” saknas."
                problems.append(cls(message, 1, expected))
        for index in range(len(cls.headers), len(header)):
            actual = text(header[index])
            if actual and actual not in extra:
                letter = get_column_letter(index + 1)
                problems.append(cls(f"Kolumn {letter}: okänd kolumn ”{shown(actual)}”.", 1))
        return problems


def shown(text: str, limit: int = 60) -> str:
    """A cell's text as quoted in a problem: never long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


FORMULA_MESSAGE = (
    "Cellen innehåller en formel. Formler importeras inte: skriv in värdet som text eller tal."
)

# What openpyxl raises on a file that is no workbook it can read (the
# parsers' errors are SyntaxErrors).
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
)


class UploadedSheet:
    """The first sheet of an uploaded workbook (:func:`open_upload`),
    streamed (:mod:`rattinsats.sheet_reader`)."""

    def __init__(self, workbook: sheet_reader.Workbook, max_rows: int):
        self.workbook = workbook
        self.max_rows = max_rows

    def header(self) -> list | None:
        """The values of the first row (None for an empty sheet, an empty
        list when the first row is missing); a formula as its text."""
        for number, values, _formulas in self.workbook.rows(first=1, formula_text=True):
            return values if number == 1 else []
        return None

    def rows(self, headers: Sequence[str]) -> Iterator[tuple[int, list[Any], list[str]]]:
        """The rows below the header, streamed, never wider than
        ``headers``: each as its row number, its values (a formula read as
        None) and the headers of the cells that hold a formula. Missing
        rows are left out. A row numbered beyond ``max_rows`` below the
        header refuses the workbook (:data:`TOO_MANY_ROWS`)."""
        for number, values, formulas in self.workbook.rows(first=2, width=len(headers)):
            if number > self.max_rows + 1:  # check_upload counted them already
                raise RefusedWorkbook(TOO_MANY_ROWS, self.max_rows)
            yield number, values, [headers[i] for i in sorted(formulas)]


@contextmanager
def open_upload(
    source: IO[bytes],
    *,
    max_bytes: int,
    max_unzipped_bytes: int,
    max_rows: int,
    max_columns: int,
) -> Iterator[UploadedSheet]:
    """Check an uploaded .xlsx (:func:`check_upload`, same limits), open it
    and give its first sheet; closed on leaving. Raises
    :class:`RefusedWorkbook` (its ``message`` says why, in Swedish) when the
    file is refused before it is opened, cannot be opened, holds no sheet,
    or turns out unreadable, with a DTD or with too many rows while it is
    read: the body of the ``with`` included."""
    check_upload(
        source,
        max_bytes=max_bytes,
        max_unzipped_bytes=max_unzipped_bytes,
        max_rows=max_rows,
        max_columns=max_columns,
    )
    try:
        # Formulas are seen (and refused by the imports): a formula's
        # cached value would otherwise come in as if typed.
        workbook = sheet_reader.Workbook(source)
    except DefusedXmlException as exc:
        raise RefusedWorkbook(XML_DECLARATIONS) from exc
    except _UNREADABLE as exc:
        raise RefusedWorkbook(NOT_A_WORKBOOK) from exc
    try:
        if workbook.first_sheet is None:
            raise RefusedWorkbook(NO_SHEET)
        yield UploadedSheet(workbook, max_rows)
    except DefusedXmlException as exc:
        raise RefusedWorkbook(XML_DECLARATIONS) from exc
    except _UNREADABLE as exc:
        raise RefusedWorkbook(NOT_A_WORKBOOK) from exc
    finally:
        workbook.close()


def refusal(reason: str, limit: int | None = None) -> str:
    """Why the whole file is refused, in Swedish."""
    limit = limit or 0
    if reason == TOO_LARGE:
        return f"Filen är för stor: högst {_megabytes(limit)} tas emot."
    if reason == TOO_LARGE_UNZIPPED:
        return (
            f"Arbetsboken är för stor uppackad: högst {_megabytes(limit)}. "
            "Dela upp den i flera arbetsböcker."
        )
    if reason == TOO_MANY_ROWS:
        return (
            f"Arbetsboken har fler än {swedish_number(limit)} rader under rubrikraden. "
            "Dela upp den i flera arbetsböcker."
        )
    if reason == XML_DECLARATIONS:
        return (
            "Filen innehåller en dokumenttypdefinition (DTD) eller entiteter, som en "
            "arbetsbok aldrig har, och läses inte. Spara arbetsboken på nytt i Excel "
            "eller LibreOffice."
        )
    if reason == TOO_COMPLEX:
        return (
            "Arbetsboken har fler delar, celler per rad eller element än en arbetsbok "
            "kan ha och läses inte. Spara den på nytt i Excel eller LibreOffice."
        )
    if reason == NO_SHEET:
        return "Arbetsboken har inget blad."
    return "Filen är inte en Excel-arbetsbok (.xlsx)."


def swedish_number(n: int) -> str:
    """5 000 (Swedish: a space between thousands)."""
    return f"{n:,}".replace(",", "\u00a0")


def _megabytes(n: int) -> str:
    """5 MB, 2,5 MB, 512 kB."""
    if n < 1024 * 1024:
        return f"{-(-n // 1024)}\u00a0kB"
    mb = n / (1024 * 1024)
    text = f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}".replace(".", ",")
    return f"{text}\u00a0MB"
