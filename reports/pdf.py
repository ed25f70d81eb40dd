"""The results as an A4 PDF in Swedish (WeasyPrint): the same key figures,
goals, tables and charts as the dashboard, the filters used and the date
it was made."""

from __future__ import annotations

from rattinsats.pdf import pdf_render

from .charts import chart_description, chart_svg
from .presentation import Report, made_at_text


def results_pdf(report: Report) -> bytes:
    """Tagged PDF/UA-1: each chart is a figure whose alternative text
    describes it (``chart_description``: its kind, title and figures)."""
    sections = [
        (b, chart_svg(b, f"pdf-chart-{b.slug}", title=chart_description(b)))
        for b in report.breakdowns
    ]
    return pdf_render(
        "reports/results_pdf.html",
        {"report": report, "made_at": made_at_text(report), "sections": sections},
        stylesheets=["css/reports_pdf.css"],
    )
