"""The operations pages' slow work as background jobs
(``rattinsats.file_jobs``): the goal-document workbook's export and import,
and the access-log review's workbook. Each task gets the job's id, the
user's id and the parameters (ids, dates, filters); it checks the user's
rights again when it runs."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from mapping.selectors import goal_overview, overview_responsibles
from participants.models import Participant
from rattinsats.file_jobs import (
    STAGE_RENDERING,
    JobRefused,
    JobRun,
    file_job_run,
    file_job_start,
)
from rattinsats.models import CASEWORK_ROLES, FileJob, Role, User

from .access_review import access_review, access_review_workbook
from .workbook import export_workbook, import_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GOAL_EXPORT_TITLE = gettext_noop("Export av måldokumentet")
GOAL_IMPORT_TITLE = gettext_noop("Import av måldokumentet")
ACCESS_REVIEW_TITLE = gettext_noop("Logguppföljning (Excel)")
# The stages of the workbook's progress (operations.workbook).
STAGES = {
    "export": gettext_noop("Skriver arbetsboken"),
    "read": gettext_noop("Läser arbetsboken"),
    "write": gettext_noop("Sparar deltagarna"),
}
STAGE_ACCESS_LOG = gettext_noop("Läser loggen")
IMPORTED = gettext_noop("%(n)s deltagare importerades från måldokumentet.")


def _casework(user: User) -> None:
    if not user.is_casework:
        raise JobRefused


# --- The goal-document workbook: export ------------------------------------------


def goal_export_start(user: User, *, responsible: int | None, status: str) -> FileJob:
    """The overview's rows (its filters: a responsible staff member's id
    and a status) as the workbook, in the background."""
    return file_job_start(
        user=user,
        kind="operations.goal_document_export",
        title=GOAL_EXPORT_TITLE,
        roles=sorted(CASEWORK_ROLES),
        task=goal_export_job,
        params={"responsible": responsible, "status": status},
        back_url=reverse("mapping:overview"),
    )


def _goal_export_rows(user: User, params: dict[str, Any]):
    """The overview's rows for ``params``, chosen as the page chooses them:
    filters that no longer fit (a responsible no longer among the staff,
    an unknown status) are dropped, as an invalid filter
    form drops them."""
    responsible_id, status = params.get("responsible"), params.get("status") or ""
    if (
        responsible_id is not None
        and not overview_responsibles().filter(pk=responsible_id).exists()
    ) or (status and status not in Participant.Status.values):
        responsible_id, status = None, ""
    return goal_overview(user, responsible_id=responsible_id, status=status)


def _goal_export(run: JobRun) -> None:
    _casework(run.user)
    rows = _goal_export_rows(run.user, run.params)
    total = rows.count()
    run.progress(STAGES["export"], 0, total)
    name = f"maldokument-{timezone.localdate():%Y-%m-%d}.xlsx"
    with run.file(name, XLSX) as handle:
        count = export_workbook(rows, handle, progress=run.progress, total=total)
    run.audit_as(object_type="mapping.goaldocument", detail=f"måldokument, {count} rader")


@task()
def goal_export_job(job_id: str, user_id: int, params: dict[str, Any]) -> str:
    return file_job_run(job_id, user_id, _goal_export, labels=STAGES)


# --- The goal-document workbook: import ------------------------------------------


def goal_import_start(user: User, upload: File) -> FileJob:
    """Import an uploaded workbook in the background: the file is kept on
    the private storage until the job has read it."""
    return file_job_start(
        user=user,
        kind="operations.goal_document_import",
        title=GOAL_IMPORT_TITLE,
        roles=sorted(CASEWORK_ROLES),
        task=goal_import_job,
        back_url=reverse("operations:goal_document_import"),
        upload=upload,
    )


def _goal_import(run: JobRun) -> None:
    _casework(run.user)
    with default_storage.open(run.job.upload.name, "rb") as source:
        result = import_workbook(source, actor=run.user, progress=run.progress)
    run.summary = {
        "created": result.created,
        "message": IMPORTED,
        "problems": [
            {"row": p.row, "header": p.header, "column": p.column, "message": p.message}
            for p in result.problems
        ],
        "more_problems": result.more_problems,
    }


@task()
def goal_import_job(job_id: str, user_id: int, params: dict[str, Any]) -> str:
    return file_job_run(job_id, user_id, _goal_import, labels=STAGES)


# --- The access-log review's workbook ----------------------------------------------


def access_review_start(
    user: User, *, start: datetime.date, end: datetime.date, user_id: int | None
) -> FileJob:
    return file_job_start(
        user=user,
        kind="operations.access_review_xlsx",
        title=ACCESS_REVIEW_TITLE,
        roles=[Role.ADMIN],
        task=access_review_job,
        params={"start": start.isoformat(), "end": end.isoformat(), "user": user_id},
        back_url=reverse("operations:access_review"),
    )


def _access_review(run: JobRun) -> None:
    start = datetime.date.fromisoformat(run.params["start"])
    end = datetime.date.fromisoformat(run.params["end"])
    run.stage(STAGE_ACCESS_LOG)
    rows, summaries = access_review(start=start, end=end, user_id=run.params.get("user"))
    run.stage(STAGE_RENDERING)
    content = access_review_workbook(rows, summaries, start=start, end=end)
    run.save(content, f"logguppfoljning-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", XLSX)
    run.audit_as(object_type="operations:access_review")


@task()
def access_review_job(job_id: str, user_id: int, params: dict[str, Any]) -> str:
    return file_job_run(job_id, user_id, _access_review)
