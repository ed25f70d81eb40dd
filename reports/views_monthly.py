"""The monthly exchange report: a page, a PDF and a workbook. The files are
made by background jobs (``reports.jobs``): the page's buttons POST, and the
job's page offers the file. A GET of a file's URL (an old bookmark) leads
to the report's page with the same month and organisation."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rattinsats.audit import Action, audit_log
from rattinsats.permissions import casework_required

from . import jobs
from .forms_monthly import MonthlyForm, previous_month
from .monthly import monthly_report


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
    if request.method != "POST":
        query = request.GET.urlencode()
        return redirect(reverse("reports:monthly") + (f"?{query}" if query else ""))
    form = MonthlyForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "reports/monthly.html",
            {"form": form, "report": None, "query": ""},
            status=400,
        )
    job = jobs.monthly_file_start(
        request.user,
        fmt,
        month=f"{form.cleaned_data['month']:%Y-%m}",
        organisation=form.cleaned_data["organisation"].pk,
    )
    return redirect("file_job", pk=job.pk)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def monthly_pdf_download(request):
    return _download(request, "pdf")


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def monthly_xlsx_download(request):
    return _download(request, "xlsx")
