"""The core's spreadsheet helpers never write a formula."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from rattinsats.xlsx import FORMULA_TRIGGERS, append_row

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
