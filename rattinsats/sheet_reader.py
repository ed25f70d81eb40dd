"""Reading the first sheet of an uploaded workbook, row by row, for the
imports (:func:`rattinsats.xlsx.open_upload`).

openpyxl reads the workbook's parts: its manifest, shared strings,
workbook part (the sheets, the 1904 date system) and styles (which number
formats are dates). The sheet's rows are read here, with lxml's streaming
parser, and each cell is converted as openpyxl's read-only reader
converts it (``openpyxl.worksheet._reader.WorkSheetParser.parse_cell``).
Two things make openpyxl's own read-only sheet slow for an import of tens
of thousands of rows: it parses a sheet without a ``<dimension>`` element
(as written by any streaming writer, openpyxl's own included) from end to
end just to size it, before reading it again, and it streams the sheet
through defusedxml's parser, whose handlers are Python. Here the sheet is
read once, by a parser in C; the XML was vetted first by
:func:`rattinsats.xlsx.check_upload` (no DTD, so no entity; rows at most
as many and as wide as the import takes), and lxml is told to resolve no
entity, load no DTD and use no network anyway.

The tests compare every cell type with openpyxl's reading
(``tests/core/test_sheet_reader.py``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any
from warnings import warn

from lxml import etree  # type: ignore[import-untyped]
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

_ROW = f"{{{SHEET_MAIN_NS}}}row"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"
_FORMULA = f"{{{SHEET_MAIN_NS}}}f"
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"
_DIGITS = "0123456789"


class Workbook:
    """An uploaded workbook's parts, read by openpyxl, and its first
    worksheet (chart sheets are not worksheets), read here."""

    def __init__(self, source: IO[bytes]):
        reader = ExcelReader(source, read_only=True, data_only=False)
        self._archive = reader.archive
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            self.strings: list[str] = reader.shared_strings
            self.epoch: datetime.datetime = reader.wb.epoch
            self.date_formats: set[int] = reader.wb._date_formats
            self.timedelta_formats: set[int] = reader.wb._timedelta_formats
            self.first_sheet: str | None = next(
                (
                    rel.target
                    for _sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type
                ),
                None,
            )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._archive.close()

    def rows(
        self, *, first: int = 1, width: int | None = None, formula_text: bool = False
    ) -> Iterator[tuple[int, list, set]]:
        """The first sheet's rows from row ``first`` on, in order: each as
        its number, its values (a formula's as None, or with
        ``formula_text`` as its text, ``=A1``) and the indexes of the cells
        that hold a formula. A row's values are ``width`` wide
        when given (cells beyond it left out), else as wide as its last
        cell. Missing rows are skipped, as are rows numbered out of order
        (openpyxl leaves those out too)."""
        if self.first_sheet is None:
            return
        last = first - 1
        counter = 0  # the number of a row that does not give it
        with self._archive.open(self.first_sheet) as part:
            events = etree.iterparse(
                part,
                events=("end",),
                tag=_ROW,
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            for _event, row in events:
                number = counter = _row_number(row.get("r"), counter)
                if number > last:
                    last = number
                    values, formulas = self._values(row, width, formula_text)
                    yield number, values, formulas
                # What is read is let go: the element and the ones before it.
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]

    def _values(self, row, width: int | None, formula_text: bool) -> tuple[list, set]:
        cells: list[tuple[int, Any]] = []
        formulas: set[int] = set()
        column = 0
        for cell in row:
            reference = cell.get("r")
            column = _column(reference) if reference else column + 1
            if width is not None and column > width:
                continue
            # A cell's parts: its value, formula or inline string (the
            # first of each), found in one look at its children.
            value = formula = inline = None
            for part in cell:
                tag = part.tag
                if tag == _VALUE:
                    if value is None:
                        value = part.text or ""
                elif tag == _FORMULA:
                    if formula is None:
                        formula = part
                elif tag == _INLINE and inline is None:
                    inline = part
            if formula is not None:
                formulas.add(column - 1)
                cells.append((column, "=" + (formula.text or "") if formula_text else None))
            else:
                cells.append((column, self._value(cell, value or None, inline, reference)))
        size = width if width is not None else (cells[-1][0] if cells else 0)
        values: list[Any] = [None] * size
        for column, value in cells:
            if 1 <= column <= size:
                values[column - 1] = value
        return values, {i for i in formulas if i < size}

    def _value(self, cell, value: str | None, inline, reference: str | None) -> Any:
        """A cell's value, as ``WorkSheetParser.parse_cell`` gives it."""
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return None if inline is None else _inline_text(inline)
        if value is None:
            return None
        if kind == "n":
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
            style = cell.get("s")
            style_id = int(style) if style else 0
            if style_id not in self.date_formats:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=style_id in self.timedelta_formats)
            except (OverflowError, ValueError):
                warn(
                    f"Cell {reference} is marked as a date but the serial value {number} is "
                    "outside the limits for dates. The cell will be treated as an error.",
                    stacklevel=2,
                )
                return "#VALUE!"
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str", "e" (an error's text) and anything unknown


def _inline_text(node) -> str:
    """An inline string's text as openpyxl's ``Text.content`` gives it:
    its plain text, then its runs' (a phonetic guide's is left out)."""
    plain: str | None = None
    runs: list[str] = []
    for part in node:
        tag = part.tag
        if tag == _TEXT:
            plain = part.text or ""
        elif tag == _RUN:
            for text in part:
                if text.tag == _TEXT:
                    runs.append(text.text or "")
    return "".join([plain, *runs]) if plain is not None else "".join(runs)


def _row_number(text: str | None, counter: int) -> int:
    """A row's number as openpyxl reads it: its ``r``, else the one after
    the row before."""
    if text is None:
        return counter + 1
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _column(reference: str) -> int:
    """The column of a cell reference such as ``AB12`` or ``$AB$12`` (1
    for A)."""
    letters = reference.rstrip(_DIGITS)
    if letters == reference:
        raise ValueError(f"Invalid cell coordinates ({reference})")
    return _column_of(letters)


@lru_cache(maxsize=1024)
def _column_of(letters: str) -> int:
    bare = letters.replace("$", "")
    if not bare.isalpha() or not bare.isascii() or len(bare) > 3:
        raise ValueError(f"Invalid cell coordinates ({letters})")
    return column_index_from_string(bare.upper())
