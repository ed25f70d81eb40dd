"""The core's spreadsheet helpers never write a formula, set a workbook up
to print, and refuse an uploaded workbook built to harm before it is opened."""

import datetime
import io
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from rattinsats.xlsx import (
    FORMULA_TRIGGERS,
    MAX_CELLS_PER_ROW,
    MAX_ELEMENTS_PER_PART,
    NOT_A_WORKBOOK,
    TOO_COMPLEX,
    TOO_LARGE,
    TOO_LARGE_UNZIPPED,
    TOO_MANY_ROWS,
    XML_DECLARATIONS,
    RefusedWorkbook,
    RowWriter,
    append_row,
    check_upload,
    print_setup,
    set_properties,
    write_checked_rows,
)
from tests import xlsx_files

RISKY = [f'{c}HYPERLINK("https://example.se","x")' for c in FORMULA_TRIGGERS]


def _sheet_xml(wb: Workbook) -> str:
    out = io.BytesIO()
    wb.save(out)
    with zipfile.ZipFile(out) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("write_only", [True, False])
def test_risky_text_is_written_as_a_string(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    append_row(ws, [*RISKY, "vanlig text", 3, "kontroll\x01tecken"])
    xml = _sheet_xml(wb)
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == len(RISKY) + 2
    assert "kontrolltecken" in xml


def test_a_control_character_cannot_hide_a_formula():
    """Cleaning a control character off the front must not leave a formula
    behind: the check comes after the cleaning."""
    for write_only in (True, False):
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet() if write_only else wb.active
        append_row(ws, ["\x01=1+1", "\x00@SUM(1)"])
        xml = _sheet_xml(wb)
        assert "<f>" not in xml and "<f " not in xml
        assert xml.count('t="inlineStr"') == 2


def _read_back(wb: Workbook):
    out = io.BytesIO()
    wb.save(out)
    return load_workbook(io.BytesIO(out.getvalue()))


def test_the_row_writer_keeps_plain_values_plain_and_types_risky_and_wrapped_text():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Blad")
    writer = RowWriter(ws, wrap={1: 5})  # column B, five characters wide
    ws.append(writer.row(["vanlig", "fri text", "=1+1", 7, datetime.date(2026, 1, 2), None]))
    ws.append(writer.row(["-1", "=fri text", "", 0.5, "x\x02y", "@a"]))
    ws.append(writer.row(["a", "kort", "b", None, None, None]))
    ws.append(writer.row(["a", "två\nrader", "b", None, None, None]))
    out = io.BytesIO()
    wb.save(out)
    assert not xlsx_files.has_formula(out.getvalue())
    sheet = load_workbook(out).active
    first, second, short, lines = ([c for c in row] for row in sheet.iter_rows(max_col=6))
    # Plain values: no style of their own.
    assert first[0].value == "vanlig" and not first[0].has_style
    assert first[3].value == 7 and first[3].data_type == "n"
    assert first[4].value.date() == datetime.date(2026, 1, 2)
    # Text longer than its column wraps, from the top; risky text is quoted.
    assert first[1].alignment.wrap_text and first[1].alignment.vertical == "top"
    assert not first[1].quotePrefix
    assert (first[2].value, first[2].data_type, first[2].quotePrefix) == ("=1+1", "s", True)
    assert (second[0].value, second[0].quotePrefix) == ("-1", True)
    assert second[1].alignment.wrap_text and second[1].quotePrefix
    assert second[1].value == "=fri text"
    assert not second[2].value
    assert second[4].value == "xy"
    assert (second[5].value, second[5].quotePrefix) == ("@a", True)
    # Text that fits its column stays a plain value; a line break wraps.
    assert short[1].value == "kort" and not short[1].has_style
    assert lines[1].value == "två\nrader" and lines[1].alignment.wrap_text


@pytest.mark.parametrize("write_only", [True, False])
def test_properties_and_print_setup(write_only):
    wb = Workbook(write_only=write_only)
    set_properties(wb, "Rätt insats – prov")
    ws = wb.create_sheet("Blad") if write_only else wb.active
    print_setup(ws, landscape=True, title_rows="1:1")
    append_row(ws, ["Rubrik"])
    back = _read_back(wb)
    assert back.properties.title == "Rätt insats – prov"
    assert back.properties.creator == "Rätt insats"
    sheet = back.active
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize in (9, "9")
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$1"


# --- check_upload: the zip and XML checks before a workbook is opened -------------

LIMITS = {"max_bytes": 1024 * 1024, "max_unzipped_bytes": 4 * 1024 * 1024, "max_rows": 50}
COLUMNS = 5


def _check(data: bytes, **limits):
    check_upload(io.BytesIO(data), **{**LIMITS, **limits}, max_columns=COLUMNS)


def _refused(data: bytes, **limits) -> RefusedWorkbook:
    with pytest.raises(RefusedWorkbook) as caught:
        _check(data, **limits)
    return caught.value


def _openpyxl_workbook(rows=3) -> bytes:
    wb = Workbook()
    for i in range(rows):
        wb.active.append([f"text {i}", i, datetime.date(2026, 1, 1)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_ordinary_workbook_passes_and_is_left_at_its_start():
    source = io.BytesIO(_openpyxl_workbook(rows=51))  # a header and 50 rows
    check_upload(source, **LIMITS, max_columns=COLUMNS)
    assert source.tell() == 0
    assert load_workbook(source).active.max_row == 51


def test_it_refuses_by_size_packed_and_unpacked():
    data = _openpyxl_workbook()
    assert _refused(data, max_bytes=len(data) - 1).reason == TOO_LARGE
    refusal = _refused(xlsx_files.zip_bomb(["a"], unpacked=8 * 1024 * 1024))
    assert (refusal.reason, refusal.limit) == (TOO_LARGE_UNZIPPED, 4 * 1024 * 1024)


def test_it_refuses_what_is_not_a_zip():
    assert _refused(b"<worksheet/>").reason == NOT_A_WORKBOOK
    assert _refused(b"").reason == NOT_A_WORKBOOK


def test_it_refuses_a_workbook_with_too_many_rows_counted_or_numbered():
    rows = [["a"]] * 52
    assert _refused(xlsx_files.workbook(xlsx_files.sheet(rows))).reason == TOO_MANY_ROWS
    _check(xlsx_files.workbook(xlsx_files.sheet(rows[:51])))
    far = "".join(xlsx_files.sheet([["a"]])).replace(
        "</sheetData>", '<row r="52"><c r="A52"><v>1</v></c></row></sheetData>'
    )
    assert _refused(xlsx_files.workbook(far)).reason == TOO_MANY_ROWS


@pytest.mark.parametrize("attack", sorted(xlsx_files.ENTITY_PROLOGS))
@pytest.mark.parametrize(
    "part", ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]
)
def test_it_refuses_a_dtd_in_any_part(attack, part):
    prolog = xlsx_files.ENTITY_PROLOGS[attack]
    parts = {
        "[Content_Types].xml": xlsx_files.CONTENT_TYPES,
        "_rels/.rels": xlsx_files.PACKAGE_RELS,
        "xl/workbook.xml": xlsx_files.WORKBOOK,
        "xl/worksheets/sheet1.xml": "".join(xlsx_files.sheet([["a"]])),
    }
    data = xlsx_files.workbook("", parts={part: xlsx_files.with_prolog(parts[part], prolog)})
    started = time.perf_counter()
    assert _refused(data).reason == XML_DECLARATIONS
    assert time.perf_counter() - started < 1  # refused where the DTD begins


def test_it_refuses_a_dtd_in_a_part_with_another_name_or_encoding():
    """openpyxl follows the relationships to a part, whatever its name: any
    part that an XML parser would read is checked, in UTF-16 too; one that
    expat cannot read (UTF-32) is refused as unreadable."""
    xml = xlsx_files.with_prolog(xlsx_files.WORKBOOK, xlsx_files.ENTITY_PROLOGS["external"])
    utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert _refused(xlsx_files.workbook("", parts={"xl/media/a.png": utf16})).reason == (
        XML_DECLARATIONS
    )
    utf32 = xml.replace('encoding="UTF-8"', 'encoding="UTF-32"').encode("utf-32")
    assert _refused(xlsx_files.workbook("", parts={"xl/a.bin": utf32})).reason in (
        XML_DECLARATIONS,
        NOT_A_WORKBOOK,
    )
    # A picture is no XML: left alone.
    _check(xlsx_files.workbook(xlsx_files.sheet([["a"]]), parts={"xl/media/b.png": b"\x89PNG"}))


def test_it_refuses_rows_and_parts_built_to_exhaust_memory():
    wide = "".join(xlsx_files.sheet([["a"]])).replace(
        "</sheetData>", '<row r="2">' + "<c/>" * (MAX_CELLS_PER_ROW + 1) + "</row></sheetData>"
    )
    assert _refused(xlsx_files.workbook(wide)).reason == TOO_COMPLEX
    styles = "<styleSheet>" + "<xf/>" * (MAX_ELEMENTS_PER_PART + 1) + "</styleSheet>"
    data = xlsx_files.workbook(xlsx_files.sheet([["a"]]), parts={"xl/styles.xml": styles})
    assert _refused(data).reason == TOO_COMPLEX
    strings = "<sst>" + "<si><t>x</t></si>" * (51 * COLUMNS + 1001) + "</sst>"
    data = xlsx_files.workbook(xlsx_files.sheet([["a"]]), parts={"xl/sharedStrings.xml": strings})
    assert _refused(data).reason == TOO_COMPLEX


def test_it_refuses_malformed_xml():
    data = xlsx_files.workbook("<worksheet><sheetData><row></sheetData>")
    assert _refused(data).reason == NOT_A_WORKBOOK


def test_checked_rows_are_written_as_openpyxl_writes_them():
    """A sheet that takes its rows from RowWriter without openpyxl's second
    look at the text (write_checked_rows) writes the same workbook: risky
    text as strings, control characters gone, empty values left out, dates
    as dates, over-long text cut to Excel's limit, numbers as numbers."""
    rows = [
        [*RISKY, "vanlig text", "kontroll\x01tecken", "", None, 3, 2.5, True],
        ["#N/A", "x" * 40_000, datetime.date(2026, 12, 1), "rad\nbrytning", "=", "@"],
    ]

    def written(checked: bool):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Blad")
        writer = RowWriter(ws, wrap={1: 10}, blank_empty=True)
        if checked:
            write_checked_rows(ws)
        for row in rows:
            ws.append(writer.row(row))
        out = io.BytesIO()
        wb.save(out)
        sheet = load_workbook(io.BytesIO(out.getvalue())).active
        return (
            [[c.value for c in r] for r in sheet.iter_rows()],
            [[c.data_type for c in r] for r in sheet.iter_rows()],
            [[c.number_format for c in r] for r in sheet.iter_rows()],
        )

    values, types, formats = written(True)
    plain_values, _plain_types, plain_formats = written(False)
    assert values[0] == plain_values[0]
    # A date is a date cell in openpyxl's date format, as openpyxl binds it.
    assert values[1][2] == plain_values[1][2] and formats == plain_formats
    assert formats[1][2] == "yyyy-mm-dd" and types[1][2] == "d"
    assert values[0][: len(RISKY)] == RISKY and "f" not in types[0]
    assert values[0][len(RISKY) + 1] == "kontrolltecken"
    assert values[0][len(RISKY) + 2 : len(RISKY) + 4] == [None, None]  # left out
    assert values[0][len(RISKY) + 4 :] == [3, 2.5, True]
    assert values[1][0] == "#N/A" and types[1][0] == "s"  # text, not an error value
    assert len(values[1][1]) == 32_767
    assert values[1][2].date() == datetime.date(2026, 12, 1)
    assert values[1][3:6] == ["rad\nbrytning", "=", "@"] and "f" not in types[1]
