"""The monthly exchange report: a page, a PDF and a workbook."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rattinsats.audit import Action, audit_log
from rattinsats.permissions import casework_required

from .forms_monthly import MonthlyForm, previous_month
from .monthly import monthly_pdf, monthly_report, monthly_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_or_form(request):
    """The report the query string asks for, or None with the form showing
    what is wrong."""
    if not request.GET:
        form = MonthlyForm(initial={"month": previous_month(timezone.localdate())})
        return form, None
    form = MonthlyForm(request.GET)
    if not form.is_valid():
        return form, None
    report = monthly_report(
        request.user,
        organisation=form.cleaned_data["organisation"],
        month=form.cleaned_data["month"],
    )
    return form, report


def _audit(request, report, action, fmt=""):
    audit_log(
        actor=request.user,
        action=action,
        object_type="reports.monthly",
        object_id=f"{report.month_label}/{report.organisation.pk}",
        detail=f"månadsavstämning {fmt}".strip(),
    )


@casework_required
@require_GET
def monthly(request):
    form, report = _report_or_form(request)
    if report is not None:
        _audit(request, report, Action.VIEW)
    return render(
        request,
        "reports/monthly.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
    )


def _download(request, fmt: str):
    form, report = _report_or_form(request)
    if report is None:
        return render(
            request,
            "reports/monthly.html",
            {"form": form, "report": None, "query": ""},
            status=400 if request.GET else 200,
        )
    if fmt == "pdf":
        content, content_type = monthly_pdf(report), "application/pdf"
    else:
        content, content_type = monthly_xlsx(report), XLSX_TYPE
    _audit(request, report, Action.EXPORT, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename_stem}.{fmt}"'
    return response


@casework_required
@require_GET
def monthly_pdf_download(request):
    return _download(request, "pdf")


@casework_required
@require_GET
def monthly_xlsx_download(request):
    return _download(request, "xlsx")
