"""The results: dashboard, JSON, workbook and PDF. All four read the same
filter and render the same computation.

``GET /reports/results.xlsx`` and ``GET /reports/results.pdf`` answer with
the file at once (a contract, product.md); the dashboard's buttons POST to
the same URLs, which start a background job (``reports.jobs``) and lead to
its page, where the file is downloaded."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from rattinsats.audit import Action, audit_log
from rattinsats.permissions import reports_required

from . import excel, jobs, pdf
from .charts import chart_svg
from .forms import ResultsFilterForm
from .presentation import build_report, made_at_text
from .protection import contract_for
from .results import ResultsFilter, results_compute

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request) -> ResultsFilterForm:
    data = request.POST if request.method == "POST" else request.GET
    form = ResultsFilterForm(data, user=request.user)
    form.is_valid()
    return form


def _query_string(filters: ResultsFilter) -> str:
    return jobs.results_query(filters)


def _invalid(request, form):
    return render(request, "reports/dashboard.html", {"form": form, "report": None}, status=400)


@reports_required
@require_safe
def dashboard(request):
    """The steering group's start page; staff and administrators see it too."""
    form = _filter_form(request)
    if form.errors:
        return _invalid(request, form)
    filters = form.results_filter()
    report = build_report(results_compute(filters), user=request.user)
    # No breakdowns at all when the figures are withheld (a too small cohort).
    sections = [(b, chart_svg(b, f"chart-{b.slug}")) for b in report.breakdowns]
    query = _query_string(filters)
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "report": report,
            "made_at": made_at_text(report),
            "key_sections": sections[:4],
            "delmal_4": sections[4] if len(sections) > 4 else None,
            "before_after": sections[5:],
            "query": f"?{query}" if query else "",
            # The filter for the download buttons' forms (dates and ids).
            "filter_params": parse_qsl(query),
        },
    )


@reports_required
@require_safe
def results_json(request):
    """The results contract (product.md); 400 with the reasons on a bad filter."""
    form = _filter_form(request)
    if form.errors:
        return JsonResponse(
            {"error": _("Ogiltigt filter."), "errors": form.error_list()},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    results = results_compute(form.results_filter())
    return JsonResponse(
        contract_for(results, request.user), json_dumps_params={"ensure_ascii": False}
    )


def _download(content: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = jobs.results_filename(extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, kind: str, make, content_type: str) -> HttpResponse:
    """GET: a download of the results (``make`` turns the report into
    bytes), recorded as one export event. POST (the dashboard's buttons):
    the same file made by a background job, whose page offers it."""
    form = _filter_form(request)
    if form.errors:
        return _invalid(request, form)
    filters = form.results_filter()
    if request.method == "POST":
        job = jobs.results_file_start(request.user, kind, filters)
        return redirect("file_job", pk=job.pk)
    content = make(build_report(results_compute(filters), user=request.user))
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        object_type="reports.results",
        object_id=kind,
        detail=jobs.results_audit_detail(kind, filters),
    )
    return _download(content, content_type, kind)


@reports_required
@require_http_methods(["GET", "HEAD", "POST"])
def results_xlsx(request):
    return _export(request, "xlsx", excel.results_workbook, XLSX)


@reports_required
@require_http_methods(["GET", "HEAD", "POST"])
def results_pdf(request):
    return _export(request, "pdf", pdf.results_pdf, "application/pdf")
