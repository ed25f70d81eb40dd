"""The imports' sheet reader (rattinsats.sheet_reader) gives every cell as
openpyxl's read-only reader gives it, row numbers included, reads the
sheet once and resolves no entity even when nothing vetted the file."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from rattinsats import sheet_reader
from rattinsats.xlsx import NOT_A_WORKBOOK, RefusedWorkbook, open_upload
from tests import xlsx_files
from tests.xlsx_files import MAIN, SHEET_PATH

# Spreadsheets know no time zones: openpyxl reads dates as naive datetimes.
NAIVE = datetime.datetime

LIMITS = {
    "max_bytes": 10_000_000,
    "max_unzipped_bytes": 100_000_000,
    "max_rows": 1000,
    "max_columns": 30,
}


def _saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _openpyxl_rows(data: bytes, *, first: int, width: int | None) -> dict[int, list]:
    """openpyxl's read-only values, by row number, rows with a value only."""
    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = wb.worksheets[0].iter_rows(min_row=first, max_col=width, values_only=True)
    found = {
        number: list(values)
        for number, values in enumerate(rows, start=first)
        if any(v is not None for v in values)
    }
    wb.close()
    return found


def _our_rows(data: bytes, *, first: int, width: int | None) -> dict[int, list]:
    wb = sheet_reader.Workbook(io.BytesIO(data))
    try:
        return {
            number: values
            for number, values, _formulas in wb.rows(first=first, width=width, formula_text=True)
            if any(v is not None for v in values)
        }
    finally:
        wb.close()


def _same_as_openpyxl(data: bytes) -> dict[int, list]:
    for first, width in [(1, None), (2, None), (1, 3), (2, 30)]:
        ours = _our_rows(data, first=first, width=width)
        theirs = _openpyxl_rows(data, first=first, width=width)
        if width is None:  # openpyxl pads the rows to the sheet's width
            ours = {n: v + [None] * (len(theirs.get(n, v)) - len(v)) for n, v in ours.items()}
        assert ours == theirs, (first, width)
    return _our_rows(data, first=1, width=None)


def test_a_workbook_saved_by_openpyxl_reads_the_same():
    wb = Workbook()
    ws = wb.active
    ws.append(["Personnummer", "Namn", "Startdatum", "Tal", "Bråk", "Sant", "Formel"])
    ws.append(
        [
            "19900101-9802",
            "Åsa Låtsas",
            datetime.date(2026, 1, 31),
            42,
            2.5,
            True,
            "=SUM(D2:E2)",
        ]
    )
    ws.append(["=A1", None, NAIVE(2026, 3, 1, 12, 30), -7, 1e20, False, "#N/A"])
    ws.cell(row=7, column=2, value="efter ett glapp")
    ws.cell(row=8, column=40, value="långt ut")
    ws.cell(row=9, column=1, value=datetime.time(8, 15))
    ws.cell(row=10, column=1, value=datetime.timedelta(hours=30))
    ws.cell(row=11, column=3, value="  blanksteg  ")
    rows = _same_as_openpyxl(_saved(wb))
    assert rows[2][:3] == ["19900101-9802", "Åsa Låtsas", NAIVE(2026, 1, 31)]
    assert rows[7] == [None, "efter ett glapp"]


def test_the_1904_date_system_reads_the_same():
    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["Startdatum", datetime.date(2026, 5, 4)])
    rows = _same_as_openpyxl(_saved(wb))
    assert rows[1] == ["Startdatum", NAIVE(2026, 5, 4)]


def _hand_built(sheet_data: str, **parts) -> bytes:
    xml = (
        f'{xlsx_files.DECLARATION}<worksheet xmlns="{MAIN}">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    return xlsx_files.workbook(xml, parts=parts)


def test_cells_no_office_program_writes_read_the_same():
    data = _hand_built(
        # Rich inline text with a phonetic guide; a boolean, an error, an
        # ISO date, a formula's cached text.
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Del</t><r><rPr/><t>mål</t></r>'
        '<r><t xml:space="preserve"> 1</t></r><rPh sb="0" eb="1"><t>fonetik</t></rPh></is></c>'
        '<c r="B1" t="b"><v>1</v></c><c r="C1" t="e"><v>#DIV/0!</v></c>'
        '<c r="D1" t="d"><v>2026-02-03T00:00:00</v></c>'
        '<c r="E1" t="str"><v>text</v></c>'
        '<c r="F1" t="inlineStr"><is><r><t>bara runor</t></r></is></c>'
        '<c r="G1" t="inlineStr"/><c r="H1"><v>1.5E3</v></c></row>'
        # Rows and cells without numbers: the next ones.
        '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row>'
        # Cell references in lower case, out of order.
        '<row r="5"><c r="C5"><v>3</v></c><c r="a5"><v>1</v></c></row>'
        # A row out of order and a repeated row: left out, as openpyxl does.
        '<row r="4"><c r="A4"><v>9</v></c></row><row r="5"><c r="A5"><v>8</v></c></row>'
        # A formula in a cell; an empty row.
        '<row r="7"><c r="B7"><f>A1*2</f><v>4</v></c></row><row r="8"/>'
    )
    rows = _same_as_openpyxl(data)
    assert rows[1][:3] == ["Delmål 1", True, "#DIV/0!"]
    assert rows[2] == ["a", 2]
    assert 4 not in rows


def test_formulas_are_marked_and_read_as_none_unless_asked():
    data = _hand_built(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'
        '<c r="B1"><f>1+1</f><v>2</v></c><c r="Z1"><f>3</f></c></row>'
    )
    wb = sheet_reader.Workbook(io.BytesIO(data))
    try:
        [(number, values, formulas)] = list(wb.rows(width=3))
        assert (number, values, formulas) == (1, ["x", None, None], {1})
        [(_, values, formulas)] = list(wb.rows(formula_text=True))
        assert values[1] == "=1+1" and values[25] == "=3" and formulas == {1, 25}
    finally:
        wb.close()


def test_the_upload_gives_headers_rows_and_formula_headers():
    data = _hand_built(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Namn</t></is></c><c r="B1"><f>A1</f></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>Åsa</t></is></c><c r="B3"><f>A3</f></c></row>'
    )
    with open_upload(io.BytesIO(data), **LIMITS) as sheet:
        assert sheet.header() == ["Namn", "=A1"]
        assert list(sheet.rows(["Namn", "Formel"])) == [(3, ["Åsa", None], ["Formel"])]
    no_header = _hand_built('<row r="2"><c r="A2"><v>1</v></c></row>')
    with open_upload(io.BytesIO(no_header), **LIMITS) as sheet:
        assert sheet.header() == []
    with open_upload(io.BytesIO(_hand_built("")), **LIMITS) as sheet:
        assert sheet.header() is None
        assert list(sheet.rows(["Namn"])) == []


def test_the_first_worksheet_is_read_past_a_chart_sheet():
    wb = Workbook()
    wb.create_chartsheet("Diagram", 0)
    wb.worksheets[0].append(["på bladet"])
    data = _saved(wb)
    assert _our_rows(data, first=1, width=None) == {1: ["på bladet"]}


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row r="x"><c r="A2"><v>1</v></c></row>',
        '<row r="2.5"><c r="A2"><v>1</v></c></row>',
        '<row r="2"><c r="12"><v>1</v></c></row>',
        '<row r="2"><c r="A2"><v>ett</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>5</v></c></row>',
    ],
)
def test_a_broken_sheet_is_refused_as_no_workbook(sheet_data):
    with pytest.raises(RefusedWorkbook) as refused:
        with open_upload(io.BytesIO(_hand_built(sheet_data)), **LIMITS) as sheet:
            list(sheet.rows(["A"]))
    assert refused.value.reason == NOT_A_WORKBOOK


def test_no_entity_is_resolved_even_unvetted(tmp_path):
    """check_upload refuses any DTD before the reader runs; the reader
    itself resolves no entity and loads nothing either."""
    secret = tmp_path / "hemligt.txt"
    secret.write_text("HEMLIGT")
    sheet_xml = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY inre "INRE">'
        f'<!ENTITY yttre SYSTEM "file://{secret}">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>a&inre;</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>b&yttre;</t></is></c></row></sheetData></worksheet>'
    )
    data = xlsx_files.workbook("", parts={SHEET_PATH: sheet_xml})
    wb = sheet_reader.Workbook(io.BytesIO(data))
    try:
        values = [v for _n, row, _f in wb.rows() for v in row]
    finally:
        wb.close()
    assert not any("INRE" in str(v) or "HEMLIGT" in str(v) for v in values)
