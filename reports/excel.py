"""The results workbook: a summary sheet and one sheet per breakdown, each
with a native Excel chart. Numbers are stored as numbers; for the steering
group a count hidden by the disclosure control (reports.disclosure) is the
text "x", and the last filter line says why. Text is never a formula (rattinsats.xlsx). Each sheet
prints on A4 fitted to the width, its print area the table and the chart
below it, the chart never split across pages, and its categories in the
table's order."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from rattinsats.xlsx import append_row, print_setup, set_properties

from .presentation import Report, made_at_text

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def results_workbook(report: Report) -> bytes:
    wb = Workbook()
    set_properties(wb, _("Rätt insats – resultat"))
    summary = wb.active
    summary.title = _("Sammanfattning")
    _summary_sheet(summary, report)
    for breakdown in report.breakdowns:
        _breakdown_sheet(wb.create_sheet(breakdown.sheet_name), breakdown)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _summary_sheet(ws, report: Report) -> None:
    append_row(ws, [_("Rätt insats – resultat")])
    ws["A1"].font = TITLE
    for label, value in report.filter_lines:
        append_row(ws, [label, value])
    append_row(ws, [_("Skapad"), made_at_text(report)])
    if report.empty:
        append_row(ws, [_("Inga deltagare i perioden.")])
    ws.append([])
    append_row(ws, [_("Mått"), _("Antal"), pgettext("antal av totalt", "Av"), _("Andel")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for figure in report.key_figures:
        append_row(ws, [figure.label, figure.value, figure.of, figure.share])
        if figure.share is not None:
            ws.cell(row=ws.max_row, column=4).number_format = "0.0%"
    ws.append([])
    append_row(ws, [_("Delmål"), _("Status"), _("Utfall")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for goal in report.goals:
        append_row(ws, [goal.label, goal.status, goal.text])
    ws.column_dimensions["A"].width = 60
    for col in "BCD":
        ws.column_dimensions[col].width = 22
    print_setup(ws)
    ws.print_area = f"A1:D{ws.max_row}"


# The printable height of an A4 page in portrait with openpyxl's default
# margins (1 inch above and below), in cm; the size of a default row and of
# a column per character of its width, as Excel draws them at 96 dpi (a
# column of width w is 7w + 5 pixels); and the charts' width, within the
# page's printable 17.2 cm (0.75 inch margins at the sides).
PAGE_HEIGHT_CM = 29.7 - 2 * 2.54
ROW_CM = 20 * 2.54 / 96
CHART_WIDTH_CM = 16.0


def _column_cm(width: float) -> float:
    return (7 * width + 5) * 2.54 / 96


def _breakdown_sheet(ws, breakdown) -> None:
    append_row(ws, [breakdown.row_header, *breakdown.columns])
    for cell in ws[1]:
        cell.font = BOLD
    for label, cells in breakdown.rows:
        append_row(ws, [label, *cells])
    widths = [44.0] + [16.0] * len(breakdown.columns)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    print_setup(ws, title_rows="1:1")
    table_rows = ws.max_row
    if not breakdown.rows:
        ws.print_area = f"A1:{get_column_letter(len(widths))}{table_rows}"
        return
    chart = BarChart()
    chart.type = "col" if breakdown.chart == "columns" else "bar"
    chart.title = breakdown.title
    chart.y_axis.title = _("Antal")
    chart.x_axis.title = breakdown.row_header
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides them otherwise
    if chart.type == "bar":
        # A horizontal bar chart draws its first category at the bottom:
        # reversed, it reads from the top as the table does, with the
        # values' axis kept at the bottom.
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    chart.legend = chart.legend if len(breakdown.columns) > 1 else None
    data = Reference(ws, min_col=2, max_col=len(widths), min_row=1, max_row=table_rows)
    categories = Reference(ws, min_col=1, min_row=2, max_row=table_rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.width = CHART_WIDTH_CM
    chart.height = max(8, min(20, 1 + 0.7 * len(breakdown.rows)))
    # Below the table, one row apart; on a page of its own when the table
    # and the chart would not fit one page together (measured unscaled:
    # fitting to the width only ever makes them smaller). It never needs
    # more than a page: at most 20 cm high.
    anchor_row = table_rows + 2
    chart_rows = int(chart.height / ROW_CM) + 2
    if (anchor_row - 1) * ROW_CM + chart.height > PAGE_HEIGHT_CM:
        ws.row_breaks.append(Break(id=anchor_row - 1))
    ws.add_chart(chart, f"A{anchor_row}")
    # The print area: the table, and the columns and rows the chart covers.
    columns, covered = 0, 0.0
    while covered < CHART_WIDTH_CM:
        columns += 1
        covered += _column_cm(widths[columns - 1] if columns <= len(widths) else 8.43)
    last_column = get_column_letter(max(len(widths), columns))
    ws.print_area = f"A1:{last_column}{anchor_row + chart_rows}"
