"""Workbooks that print well, read back with openpyxl: results.xlsx (A4
fitted to the width, print areas that hold the table and its chart, charts
below their table that never straddle a page, categories in the table's
order), the goal-document workbook (widths for the free text, wrapped,
autofilter, landscape, fitted to the width, header on every page), the
monthly exchange and the access-log review; every one with a title and
"Rätt insats" as its creator. If LibreOffice is installed, it must convert
each of them to PDF."""

import datetime
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from mapping.columns import COLUMN, HEADERS, TEXT_HEADERS
from mapping.services import goal_document_save
from participants.models import Participant
from reports.excel import CHART_WIDTH_CM, PAGE_HEIGHT_CM, ROW_CM
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, organisation
from tests.job_files import download_via_job

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_GOAL = "Arbete inom vård och omsorg på heltid, med körkort och undersköterskeutbildning. " * 3


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def _print_area(ws) -> tuple[str, int, str, int]:
    """The print area's first and last column and row."""
    match = re.fullmatch(r"'?.+?'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ws.print_area)
    assert match, ws.print_area
    first_col, first_row, last_col, last_row = match.groups()
    return first_col, int(first_row), last_col, int(last_row)


def _fits_width(ws, *, landscape: bool) -> None:
    assert ws.page_setup.paperSize in (9, "9")  # A4
    assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0  # as many pages down as it takes
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True


def _properties(wb, title: str) -> None:
    assert wb.properties.creator == "Rätt insats"
    assert wb.properties.title == title


@pytest.fixture
def results_xlsx(owner):
    """results.xlsx with some 30 months of activity: a long table (months)
    beside short ones."""
    start = TODAY.replace(day=1) - datetime.timedelta(days=900)
    for i in range(4):
        ParticipantFactory(responsible=owner, start_date=start + datetime.timedelta(days=40 * i))
    response = client_for(owner).get(reverse("reports:results_xlsx"))
    assert response.status_code == 200
    return response.content


def test_results_workbook_has_a_title_and_a_creator(results_xlsx):
    _properties(_workbook(results_xlsx), "Rätt insats – resultat")


def test_every_results_sheet_prints_on_a4_fitted_to_the_width(results_xlsx):
    wb = _workbook(results_xlsx)
    summary = wb["Sammanfattning"]
    _fits_width(summary, landscape=False)
    assert _print_area(summary) == ("A", 1, "D", summary.max_row)
    for ws in wb.worksheets[1:]:
        _fits_width(ws, landscape=False)
        assert ws.print_title_rows == "$1:$1"  # the table's header on every page


def test_each_chart_sits_below_its_table_inside_the_print_area_on_one_page(results_xlsx):
    wb = _workbook(results_xlsx)
    broken = 0
    for ws in wb.worksheets[1:]:
        table_rows = ws.max_row
        _first_col, first_row, last_col, last_row = _print_area(ws)
        assert first_row == 1
        assert column_index_from_string(last_col) >= ws.max_column  # the whole table
        if table_rows == 1:
            assert not ws._charts
            continue
        (chart,) = ws._charts
        anchor_row = chart.anchor._from.row + 1  # 1-based
        assert anchor_row > table_rows  # below the table, not beside it
        assert chart.anchor._from.col == 0
        # The chart's rows and columns are inside the print area.
        assert last_row >= anchor_row + chart.height / ROW_CM
        widths = [
            ws.column_dimensions[get_column_letter(i)].width or 8.43
            for i in range(1, column_index_from_string(last_col) + 1)
        ]
        assert sum((7 * w + 5) * 2.54 / 96 for w in widths) >= CHART_WIDTH_CM
        # Never split: no higher than a page, and on a page of its own
        # (a break just above it) when it would not fit below the table.
        assert chart.height < PAGE_HEIGHT_CM
        breaks = [b.id for b in ws.row_breaks.brk]
        if (anchor_row - 1) * ROW_CM + chart.height > PAGE_HEIGHT_CM:
            assert breaks == [anchor_row - 1], ws.title
            broken += 1
        else:
            assert breaks == [], ws.title
    assert broken >= 1  # the months' long table puts its chart on its own page


def test_chart_categories_read_in_the_tables_order(results_xlsx):
    wb = _workbook(results_xlsx)
    seen = set()
    for ws in wb.worksheets[1:]:
        if not ws._charts:
            continue
        (chart,) = ws._charts
        series = chart.series[0]
        ref = (series.cat.numRef or series.cat.strRef).f
        assert ref.endswith(f"!$A$2:$A${ws.max_row}"), ref  # the table's rows, top to bottom
        # A horizontal bar chart draws its first category at the bottom
        # unless its category axis is reversed; a column chart left to right.
        orientation = chart.x_axis.scaling.orientation
        if chart.type == "bar":
            assert orientation == "maxMin", ws.title
            assert chart.y_axis.crosses == "max"  # the values' axis stays at the bottom
        else:
            assert orientation in (None, "minMax"), ws.title
        assert chart.x_axis.delete is False and chart.y_axis.delete is False
        seen.add(chart.type)
    assert seen == {"bar", "col"}


def _goal_document_xlsx(owner) -> bytes:
    participant = ParticipantFactory(responsible=owner, start_date=TODAY - datetime.timedelta(40))
    goal_document_save(
        actor=owner, participant=participant, version=0, goal=LONG_GOAL, other="Kort."
    )
    ParticipantFactory(responsible=owner, start_date=TODAY - datetime.timedelta(20))
    response = download_via_job(client_for(owner), reverse("operations:goal_document_export"))
    assert response.status_code == 200
    return response.content


def test_goal_document_workbook_prints_in_landscape_with_filter_and_wrapped_text(owner):
    wb = _workbook(_goal_document_xlsx(owner))
    _properties(wb, "Rätt insats – måldokument")
    ws = wb.active
    _fits_width(ws, landscape=True)
    last = get_column_letter(len(HEADERS))
    rows = Participant.objects.count() + 1
    assert ws.auto_filter.ref == f"A1:{last}{rows}"
    assert _print_area(ws) == ("A", 1, last, rows)
    assert ws.print_title_rows == "$1:$1"
    assert ws.freeze_panes == "A2"
    for header in TEXT_HEADERS:
        assert ws.column_dimensions[COLUMN[header]].width >= 28, header
    goal_row = next(r for r in range(2, rows + 1) if ws[f"{COLUMN['Mål']}{r}"].value)
    goal = ws[f"{COLUMN['Mål']}{goal_row}"]
    assert goal.value == LONG_GOAL.strip() or goal.value == LONG_GOAL
    assert goal.alignment.wrap_text is True and goal.alignment.vertical == "top"
    # Only free text longer than its column is wrapped; the rest, short
    # free text included, are plain values (an export of thousands of rows
    # stays fast).
    short = ws[f"{COLUMN['Övrigt']}{goal_row}"]
    assert short.value == "Kort." and not short.alignment.wrap_text
    assert not ws[f"{COLUMN['Personnummer']}{goal_row}"].alignment.wrap_text
    assert isinstance(ws[f"{COLUMN['Startdatum']}{goal_row}"].value, datetime.datetime)


def test_monthly_and_access_review_workbooks_have_properties_and_print_setup(owner, administrator):
    af = organisation("arbetsformedlingen")
    month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    participant = ParticipantFactory(responsible=owner, start_date=month)
    ConsentFactory(participant=participant, signed_on=month, organisations=[af])
    monthly = download_via_job(
        client_for(owner),
        reverse("reports:monthly_xlsx"),
        {"month": f"{month:%Y-%m}", "organisation": af.pk},
    )
    wb = _workbook(monthly.content)
    assert wb.properties.creator == "Rätt insats"
    assert wb.properties.title.startswith("Rätt insats – månadsavstämning")
    ws = wb.active
    _fits_width(ws, landscape=True)
    assert ws.print_title_rows == "$1:$1"
    assert _print_area(ws) == ("A", 1, "F", ws.max_row)

    client_for(owner).get(reverse("participants:detail", args=[participant.pk]))
    review = download_via_job(
        client_for(administrator),
        reverse("operations:access_review_excel"),
        {"start": (TODAY - datetime.timedelta(days=1)).isoformat(), "end": TODAY.isoformat()},
    )
    wb = _workbook(review.content)
    assert wb.properties.creator == "Rätt insats"
    assert wb.properties.title.startswith("Rätt insats – logguppföljning")
    for ws, landscape in zip(wb.worksheets, (False, True), strict=True):
        _fits_width(ws, landscape=landscape)
        assert ws.auto_filter.ref == ws.dimensions
        assert ws.print_title_rows == "$1:$1"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_every_workbook_to_pdf(results_xlsx, owner, tmp_path):
    files = {"results.xlsx": results_xlsx, "maldokument.xlsx": _goal_document_xlsx(owner)}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        assert zipfile.is_zipfile(tmp_path / name)
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("soffice") or "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *[str(tmp_path / n) for n in files],
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    for name in files:
        pdf = tmp_path / name.replace(".xlsx", ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
