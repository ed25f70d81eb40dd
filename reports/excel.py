"""The results workbook: a summary sheet and one sheet per breakdown, each
with a native Excel chart. Numbers are stored as numbers; a hidden small
cell is the text "<N"."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .presentation import Report, made_at_text

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def results_workbook(report: Report) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = _("Sammanfattning")
    _summary_sheet(summary, report)
    for breakdown in report.breakdowns:
        _breakdown_sheet(wb.create_sheet(breakdown.sheet_name), breakdown)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _summary_sheet(ws, report: Report) -> None:
    ws.append([_("Rätt insats – resultat")])
    ws["A1"].font = TITLE
    for label, value in report.filter_lines:
        ws.append([label, value])
    ws.append([_("Skapad"), made_at_text(report)])
    if report.masked:
        ws.append(
            [
                _("Sekretess"),
                _("Celler under %(n)s visas som <%(n)s.") % {"n": report.threshold},
            ]
        )
    if report.empty:
        ws.append([_("Inga deltagare i perioden.")])
    ws.append([])
    ws.append([_("Mått"), _("Antal"), pgettext("antal av totalt", "Av"), _("Andel")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for figure in report.key_figures:
        ws.append([figure.label, figure.value, figure.of, figure.share])
        if figure.share is not None:
            ws.cell(row=ws.max_row, column=4).number_format = "0.0%"
    ws.append([])
    ws.append([_("Delmål"), _("Status"), _("Utfall")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for goal in report.goals:
        ws.append([goal.label, goal.status, goal.text])
    ws.column_dimensions["A"].width = 60
    for col in "BCD":
        ws.column_dimensions[col].width = 22


def _breakdown_sheet(ws, breakdown) -> None:
    ws.append([breakdown.row_header, *breakdown.columns])
    for cell in ws[1]:
        cell.font = BOLD
    for label, cells in breakdown.rows:
        ws.append([label, *cells])
    ws.column_dimensions["A"].width = 44
    for i in range(len(breakdown.columns)):
        ws.column_dimensions[get_column_letter(i + 2)].width = 16
    ws.freeze_panes = "B2"
    if not breakdown.rows:
        return
    chart = BarChart()
    chart.type = "col" if breakdown.chart == "columns" else "bar"
    chart.title = breakdown.title
    chart.y_axis.title = _("Antal")
    chart.x_axis.title = breakdown.row_header
    chart.legend = chart.legend if len(breakdown.columns) > 1 else None
    data = Reference(
        ws, min_col=2, max_col=1 + len(breakdown.columns), min_row=1, max_row=ws.max_row
    )
    categories = Reference(ws, min_col=1, min_row=2, max_row=ws.max_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.width = 22
    chart.height = max(8, min(20, 1 + 0.7 * len(breakdown.rows)))
    ws.add_chart(chart, f"{get_column_letter(len(breakdown.columns) + 3)}2")
