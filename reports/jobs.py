"""The reports' files made by background jobs (``rattinsats.file_jobs``):
the results' workbook and PDF started from the dashboard, and the monthly
exchange's PDF and workbook. Each task gets the job's id, the user's id and
the filter (dates and ids, as in the query string); it checks the user's
rights again when it runs, and computes the figures for the user as they
are then (disclosure control follows their role)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from rattinsats.file_jobs import STAGE_RENDERING, JobRefused, JobRun, file_job_run, file_job_start
from rattinsats.models import CASEWORK_ROLES, FileJob, Role, User

from . import excel, pdf
from .forms import ResultsFilterForm
from .forms_monthly import MonthlyForm
from .monthly import monthly_pdf, monthly_report, monthly_xlsx
from .presentation import build_report
from .results import ResultsFilter, results_compute

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "pdf": "application/pdf"}

RESULTS_TITLES = {
    "xlsx": gettext_noop("Resultat (Excel)"),
    "pdf": gettext_noop("Resultat (PDF)"),
}
MONTHLY_TITLES = {
    "xlsx": gettext_noop("Månadsavstämning (Excel)"),
    "pdf": gettext_noop("Månadsavstämning (PDF)"),
}
STAGE_COMPUTING = gettext_noop("Räknar fram resultaten")
STAGE_COLLECTING = gettext_noop("Hämtar månadens händelser")
REPORT_ROLES = [Role.STAFF, Role.EMPLOYMENT_OFFICER, Role.STEERING, Role.ADMIN]
# The results' filter in a query string or a job's parameters.
RESULTS_PARAMS = ("from", "to", "organisation", "responsible")


def results_query(filters: ResultsFilter) -> str:
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


def results_audit_detail(kind: str, filters: ResultsFilter) -> str:
    # Ids and dates only: the audit trail holds no names.
    return f"resultat {kind} {results_query(filters)}".strip()


def results_filename(kind: str) -> str:
    return f"rattinsats-resultat-{timezone.localdate().isoformat()}.{kind}"


# --- The results ---------------------------------------------------------------------


def results_file_start(user: User, kind: str, filters: ResultsFilter) -> FileJob:
    """The results' ``kind`` ("xlsx" or "pdf") for ``filters``, in the
    background."""
    query = results_query(filters)
    return file_job_start(
        user=user,
        kind=f"reports.results_{kind}",
        title=RESULTS_TITLES[kind],
        roles=REPORT_ROLES,
        task=results_file_job,
        params={"kind": kind, **_query_params(filters)},
        back_url=reverse("reports:dashboard") + (f"?{query}" if query else ""),
    )


def _query_params(filters: ResultsFilter) -> dict[str, str]:
    """The filter as the query string has it: dates and ids."""
    return dict(parse_qsl(results_query(filters)))


def _results(run: JobRun) -> None:
    kind = run.params["kind"]
    form = ResultsFilterForm(
        {k: run.params[k] for k in RESULTS_PARAMS if k in run.params}, user=run.user
    )
    if not form.is_valid():
        # A filter no longer allowed (a responsible the user may not choose).
        raise JobRefused
    filters = form.results_filter()
    run.stage(STAGE_COMPUTING)
    report = build_report(results_compute(filters), user=run.user)
    run.stage(STAGE_RENDERING)
    make = excel.results_workbook if kind == "xlsx" else pdf.results_pdf
    run.save(make(report), results_filename(kind), CONTENT_TYPES[kind])
    run.audit_as(
        object_type="reports.results", object_id=kind, detail=results_audit_detail(kind, filters)
    )


@task()
def results_file_job(job_id: str, user_id: int, params: dict[str, Any]) -> str:
    return file_job_run(job_id, user_id, _results)


# --- The monthly exchange ------------------------------------------------------------


def monthly_file_start(user: User, kind: str, *, month: str, organisation: int) -> FileJob:
    """The monthly exchange's ``kind`` ("pdf" or "xlsx") for ``month``
    (YYYY-MM) and an organisation's id, in the background."""
    query = urlencode({"month": month, "organisation": organisation})
    return file_job_start(
        user=user,
        kind=f"reports.monthly_{kind}",
        title=MONTHLY_TITLES[kind],
        roles=sorted(CASEWORK_ROLES),
        task=monthly_file_job,
        params={"kind": kind, "month": month, "organisation": organisation},
        back_url=reverse("reports:monthly") + f"?{query}",
    )


def _monthly(run: JobRun) -> None:
    if not run.user.is_casework:
        raise JobRefused
    kind = run.params["kind"]
    form = MonthlyForm({"month": run.params["month"], "organisation": run.params["organisation"]})
    if not form.is_valid():
        raise JobRefused
    run.stage(STAGE_COLLECTING)
    report = monthly_report(
        run.user, organisation=form.cleaned_data["organisation"], month=form.cleaned_data["month"]
    )
    run.stage(STAGE_RENDERING)
    content = monthly_pdf(report) if kind == "pdf" else monthly_xlsx(report)
    run.save(content, f"{report.filename_stem}.{kind}", CONTENT_TYPES[kind])
    run.audit_as(
        object_type="reports.monthly",
        object_id=f"{report.month_label}/{report.organisation.pk}",
        detail=f"månadsavstämning {kind}",
    )


@task()
def monthly_file_job(job_id: str, user_id: int, params: dict[str, Any]) -> str:
    return file_job_run(job_id, user_id, _monthly)
