"""Workbooks built by hand for the tests: the XML parts written straight
into a zip, so that a workbook of 300,000 rows takes about a second, and so
that the parts can hold what no office program writes (a DTD, entities, a
formula where text should be).

A row is a list of cells: ``None`` is no cell, an ``int``/``float`` a
number, a ``str`` an inline string (written as text, whatever it starts
with), a :class:`Formula` a formula cell."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'

CONTENT_TYPES = (
    DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    DECLARATION + f'<workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Måldokument" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_PATH = "xl/worksheets/sheet1.xml"


@dataclass(frozen=True)
class Formula:
    text: str  # without the "="
    cached: str = ""


def column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = f"<v>{escape(value.cached)}</v>" if value.cached else ""
        return f'<c r="{ref}" t="str"><f>{escape(value.text)}</f>{cached}</c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def row(number: int, values: Iterable) -> str:
    cells = "".join(cell(f"{column(i)}{number}", v) for i, v in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: Iterable[Iterable], *, prolog: str = DECLARATION) -> Iterator[str]:
    """The sheet's XML in pieces, the rows numbered from 1."""
    yield prolog + f'<worksheet xmlns="{MAIN}"><sheetData>'
    pieces: list[str] = []
    for number, values in enumerate(rows, start=1):
        pieces.append(row(number, values))
        if len(pieces) == 5000:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + "</sheetData></worksheet>"


def workbook(
    sheet_xml: Iterable[str] | str, *, parts: dict[str, str | bytes] | None = None
) -> bytes:
    """A minimal .xlsx around the sheet; ``parts`` adds or replaces parts
    (by their path in the zip)."""
    parts = dict(parts or {})
    base = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in base.items():
            archive.writestr(name, parts.pop(name, data))
        if SHEET_PATH in parts:
            archive.writestr(SHEET_PATH, parts.pop(SHEET_PATH))
        else:
            with archive.open(SHEET_PATH, "w", force_zip64=True) as target:
                for piece in [sheet_xml] if isinstance(sheet_xml, str) else sheet_xml:
                    target.write(piece.encode())
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def big_workbook(headers: list[str], rows: int = 300_000) -> bytes:
    """The header and ``rows`` short rows: some 18 MB of sheet XML, well
    under a megabyte zipped (the attack in the issue: 758 kB, 17.9 MB
    unpacked, 300,000 rows)."""

    def pieces():
        yield DECLARATION + f'<worksheet xmlns="{MAIN}"><sheetData>' + row(1, headers)
        chunk = []
        for number in range(2, rows + 2):
            chunk.append(f'<row r="{number}"><c r="A{number}" s="0" t="n"><v>1</v></c></row>')
            if len(chunk) == 10_000:
                yield "".join(chunk)
                chunk = []
        yield "".join(chunk) + "</sheetData></worksheet>"

    return workbook(pieces())


def zip_bomb(headers: list[str], unpacked: int = 200 * 1024 * 1024) -> bytes:
    """A workbook with one more part of ``unpacked`` bytes of spaces, which
    deflate squeezes a thousandfold."""
    out = io.BytesIO(workbook(sheet([headers])))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/filler.xml", "w", force_zip64=True) as target:
            block = b" " * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                target.write(block)
    return out.getvalue()


ENTITY_PROLOGS = {
    "dtd": DECLARATION + "<!DOCTYPE worksheet [<!ELEMENT worksheet ANY>]>",
    "external": DECLARATION + '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "billion_laughs": DECLARATION
    + "<!DOCTYPE worksheet ["
    + '<!ENTITY a0 "ha">'
    + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    + "]>",
}


def with_prolog(xml: str, prolog: str) -> str:
    """An XML part with ``prolog`` (a DTD) in place of its declaration."""
    return prolog + xml.removeprefix(DECLARATION)


def sheet_xml(xml: bytes) -> str:
    """Every sheet's XML of a workbook, one string."""
    with zipfile.ZipFile(io.BytesIO(xml)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def has_formula(xlsx: bytes) -> bool:
    """Whether any sheet of the workbook holds a formula (an <f> element)."""
    xml = sheet_xml(xlsx)
    return "<f>" in xml or "<f " in xml or ":f>" in xml or ":f " in xml
