"""The results: dashboard, JSON, workbook and PDF. All four read the same
filter and render the same computation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rattinsats.audit import Action, audit_log
from rattinsats.permissions import reports_required

from . import excel, pdf
from .charts import chart_svg
from .forms import ResultsFilterForm
from .presentation import build_report, made_at_text
from .protection import contract_for
from .results import ResultsFilter, results_compute

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request) -> ResultsFilterForm:
    form = ResultsFilterForm(request.GET, user=request.user)
    form.is_valid()
    return form


def _query_string(filters: ResultsFilter) -> str:
    params: dict[str, str | int] = {}
    if filters.date_from:
        params["from"] = filters.date_from.isoformat()
    if filters.date_to:
        params["to"] = filters.date_to.isoformat()
    if filters.referring_organisation is not None:
        params["organisation"] = filters.referring_organisation.pk
    if filters.responsible is not None:
        params["responsible"] = filters.responsible.pk
    return urlencode(params)


def _audit_detail(kind: str, filters: ResultsFilter) -> str:
    # Ids and dates only: the audit trail holds no names.
    return f"resultat {kind} {_query_string(filters)}".strip()


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
    name = f"rattinsats-resultat-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, kind: str, make, content_type: str) -> HttpResponse:
    """A download of the results (``make`` turns the report into bytes),
    recorded as one export event."""
    form = _filter_form(request)
    if form.errors:
        return _invalid(request, form)
    filters = form.results_filter()
    content = make(build_report(results_compute(filters), user=request.user))
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        object_type="reports.results",
        object_id=kind,
        detail=_audit_detail(kind, filters),
    )
    return _download(content, content_type, kind)


@reports_required
@require_safe
def results_xlsx(request):
    return _export(request, "xlsx", excel.results_workbook, XLSX)


@reports_required
@require_safe
def results_pdf(request):
    return _export(request, "pdf", pdf.results_pdf, "application/pdf")
