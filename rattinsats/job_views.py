"""The pages of background jobs (``rattinsats.file_jobs``): a job's
progress and result, its status as JSON for the page's polling, its file,
and the user's latest jobs. Only the user who started a job sees any of
it; others get 404, as for any record they may not see."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .audit import Action, audit_log
from .file_jobs import file_job_downloadable, file_job_of, file_jobs_of
from .middleware import session_not_renewed
from .models import FileJob
from .permissions import deny

# How often the page asks for the status (milliseconds).
POLL_MS = 1500


def _own(request, pk) -> FileJob:
    job = file_job_of(request.user, pk)
    if job is None:
        deny(request, object_type="rattinsats.filejob", object_id=str(pk))
        raise Http404  # deny() has raised it already
    return job


def _percent(job: FileJob) -> int | None:
    if job.status == FileJob.Status.DONE:
        return 100
    if job.total:
        return min(100, round(100 * job.done / job.total))
    return None


def _status_text(job: FileJob) -> str:
    """What the live region says: the status and the stage, never a count
    that changes every second."""
    if job.status == FileJob.Status.QUEUED:
        return _("I kö: jobbet startar när en bakgrundsprocess är ledig.")
    if job.status == FileJob.Status.RUNNING:
        return _("Pågår: %(stage)s.") % {"stage": _(job.stage) if job.stage else _("Startar")}
    if job.status == FileJob.Status.DONE:
        return _("Klart.")
    return _("Misslyckades.")


def _import_result(job: FileJob) -> dict | None:
    """An import's summary as the import page shows its result."""
    summary = job.summary or {}
    if "problems" not in summary:
        return None
    return {
        "problems": summary.get("problems", []),
        "more_problems": summary.get("more_problems", 0),
        "problem_count": len(summary.get("problems", [])) + summary.get("more_problems", 0),
    }


def _done_text(job: FileJob) -> str:
    summary = job.summary or {}
    message = summary.get("message")
    if not message:
        return ""
    return _(message) % {"n": summary.get("created", 0)}


@require_safe
def file_job(request, pk):
    job = _own(request, pk)
    return render(
        request,
        "rattinsats/file_job.html",
        {
            "job": job,
            "title": _(job.title),
            "percent": _percent(job),
            "status_text": _status_text(job),
            "downloadable": file_job_downloadable(job),
            "result": _import_result(job),
            "done_text": _done_text(job),
            "error": _(job.error) if job.error else "",
            "recent": [j for j in file_jobs_of(request.user, 10) if j.pk != job.pk],
            "poll_ms": POLL_MS,
        },
    )


@session_not_renewed
@require_safe
def file_job_status(request, pk):
    job = _own(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "finished": job.finished,
            "stage": _(job.stage) if job.stage else "",
            "done": job.done,
            "total": job.total,
            "percent": _percent(job),
            "text": _status_text(job),
            "url": reverse("file_job", args=[job.pk]),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_safe
def file_job_download(request, pk):
    """The job's file, to the user who started it, while it is kept and
    while they still have the role; each download is one export event, as
    the direct downloads write."""
    job = _own(request, pk)
    if not file_job_downloadable(job):
        deny(request, object_type="rattinsats.filejob", object_id=str(pk))
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        object_type=job.audit_object_type or "rattinsats.filejob",
        object_id=job.audit_object_id if job.audit_object_type else str(job.pk),
        detail=job.audit_detail,
    )
    return FileResponse(
        default_storage.open(job.file.name, "rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=job.content_type or "application/octet-stream",
    )


@require_safe
def file_jobs(request):
    return render(request, "rattinsats/file_jobs.html", {"jobs": file_jobs_of(request.user)})
