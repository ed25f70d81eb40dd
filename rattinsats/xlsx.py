"""Writing spreadsheets safely (CWE-1236, formula injection).

Every workbook the app writes goes through these helpers for its text
cells: a value is always written as a string cell, never as a formula, so
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(typed into a form or read from an imported workbook) stays text in Excel
and LibreOffice. Such cells also get Excel's *quote prefix*, so that editing
the cell keeps it text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# The first characters that make a spreadsheet treat text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def clean_text(value: str) -> str:
    """The text without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def set_text(cell: Cell, value: str) -> Cell:
    """Put ``value`` into ``cell`` as a string, never a formula."""
    cell.value = clean_text(value)
    cell.data_type = "s"
    if is_risky(value):
        cell.quotePrefix = True
    return cell


def write_only_row(ws, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only worksheet (``ws.append``): plain values as they
    are (fast), and text that a spreadsheet could take for a formula as a
    typed string cell with a quote prefix."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            if is_risky(value):
                cell = WriteOnlyCell(ws, value=clean_text(value))
                cell.data_type = "s"
                cell.quotePrefix = True
                row.append(cell)
                continue
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = clean_text(value)
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
