"""The results as an A4 PDF in Swedish (WeasyPrint): the same key figures,
goals, tables and charts as the dashboard, the filters used and the date
it was made."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML

from .charts import chart_svg
from .presentation import Report, made_at_text


def results_pdf(report: Report) -> bytes:
    html = render_to_string(
        "reports/results_pdf.html",
        {
            "report": report,
            "made_at": made_at_text(report),
            "sections": [(b, chart_svg(b, f"pdf-chart-{b.slug}")) for b in report.breakdowns],
        },
    )
    stylesheet = CSS(filename=finders.find("css/reports_pdf.css"))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet])
