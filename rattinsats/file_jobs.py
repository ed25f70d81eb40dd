"""Background jobs that end in a file to download or an import's summary,
for any app (README, "Background jobs").

A page starts one with :func:`file_job_start`: a ``FileJob`` row (the
user, the kind, the parameters: ids, dates and filters, never personal
data) and its task are written in one transaction; the task's arguments
are the job's id, the user's id and the same parameters. The task (defined
in the app that owns the work: ``operations.jobs``, ``reports.jobs``) calls
:func:`file_job_run` with a function that does the work through a
:class:`JobRun`: it reports its progress (written to the database at most
every ``RATTINSATS_JOB_PROGRESS_SECONDS``, so that any app server shows it),
writes its file straight to the private storage (``STORAGES["default"]``,
shared by every app server; never kept in memory between requests, never
under /tmp) and, for an import, leaves a summary.

The user's rights are checked again when the job runs (still active, still
in one of the job's roles, plus the work's own checks) and at each
download; only the user who started a job sees it. A file can be
downloaded for ``RATTINSATS_JOB_FILE_HOURS``; the nightly pruning
(:func:`file_jobs_prune`, from ``operations.schedule``) removes it then,
and the row after ``RATTINSATS_JOB_RESULT_DAYS``.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.base import Task

from .audit import Action, audit_log
from .models import FileJob, User
from .permissions import user_has_role

logger = logging.getLogger(__name__)

# Where the jobs' files live on the private storage: one folder per job,
# named by its random id (no personal data in any path).
FOLDER = "jobb"

# What the user reads (Swedish msgids, translated when shown).
FAILED_MESSAGE = gettext_noop(
    "Jobbet kunde inte slutföras. Försök igen om en stund, eller kontakta en "
    "administratör om det inte går."
)
REFUSED_MESSAGE = gettext_noop(
    "Jobbet kördes inte: ditt konto har inte längre behörighet till det här."
)
STAGE_STARTING = gettext_noop("Startar")
STAGE_RENDERING = gettext_noop("Skapar filen")
STAGE_DONE = gettext_noop("Klart")


class JobRefused(Exception):
    """The work found that its user may no longer do it."""


class FileJobFailed(Exception):
    """Recorded as the task's error when the work failed: its message names
    the kind of error only, never the data (the traceback is not chained)."""


def _allowed(user: User, roles: Sequence[str]) -> bool:
    return user.is_active and user_has_role(user, *roles)


def file_job_allowed(job: FileJob) -> bool:
    """Whether the job's user may still have what it makes."""
    return _allowed(job.user, job.roles)


# --- Starting ------------------------------------------------------------------


def file_job_start(
    *,
    user: User,
    kind: str,
    title: str,
    roles: Sequence[str],
    task: Task,
    params: dict[str, Any] | None = None,
    back_url: str = "",
    upload: File | None = None,
) -> FileJob:
    """Record a job for ``user`` and queue ``task`` with its id, the user's
    id and ``params`` (ids, dates and filters only), in one transaction.
    ``upload`` (an import's file) is saved on the private storage first,
    for the job to read. ``title`` is a Swedish msgid (``gettext_noop``)."""
    params = dict(params or {})
    with transaction.atomic():
        job = FileJob.objects.create(
            user=user,
            kind=kind,
            title=title,
            roles=list(roles),
            params=params,
            back_url=back_url,
        )
        if upload is not None:
            job.upload.save(f"{FOLDER}/{job.pk.hex}/upload.xlsx", upload, save=True)
        # Who started what (the kind only: its parameters stay on the job).
        audit_log(actor=user, action=Action.CREATE, obj=job, detail=kind)
        result = task.enqueue(str(job.pk), user.pk, params)
        # Only the id: a job run at once (the tests' immediate backend) has
        # already written its outcome.
        FileJob.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


# --- Running -------------------------------------------------------------------


class JobProgress:
    """``progress(stage, done, total)`` for the work: writes the stage (its
    label from ``labels``, a msgid), rows done and total to the job's row,
    at most every ``RATTINSATS_JOB_PROGRESS_SECONDS`` and always when the
    stage changes or ends.

    Inside a transaction of the work's own (an import's write stage) the row
    is written through a connection of its own on PostgreSQL, so that it is
    seen before the work commits; on SQLite, which has one writer at a
    time, such a write waits until the work is done."""

    def __init__(self, job: FileJob, labels: dict[str, str] | None = None):
        self.job_pk = job.pk
        self.labels = labels or {}
        self.stage = ""
        self.done = 0
        self.total: int | None = None
        self._last = 0.0
        self._depth = len(connection.atomic_blocks)
        self._side: Any = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        label = self.labels.get(stage, stage)
        now = time.monotonic()
        changed = label != self.stage
        ended = total is not None and done >= total
        self.stage, self.done, self.total = label, done, total
        if not (changed or ended) and now - self._last < settings.RATTINSATS_JOB_PROGRESS_SECONDS:
            return
        self._last = now
        self.write()

    def write(self) -> None:
        values = {"stage": self.stage[:100], "done": self.done, "total": self.total}
        if len(connection.atomic_blocks) <= self._depth:
            FileJob.objects.filter(pk=self.job_pk).update(**values)
        elif connection.vendor == "postgresql":
            self._write_aside(values)

    def _write_aside(self, values: dict[str, Any]) -> None:
        table = connection.ops.quote_name(FileJob._meta.db_table)
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:
                    # Never wait for the work's own locks.
                    cursor.execute("SET lock_timeout = '500ms'")
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, done = %s, total = %s WHERE id = %s",  # noqa: S608
                    [values["stage"], values["done"], values["total"], self.job_pk],
                )
        except Exception as exc:
            # Progress is a courtesy: the work goes on without it.
            logger.info("A job's progress could not be written (%s)", type(exc).__name__)

    def close(self) -> None:
        if self._side is not None:
            try:
                self._side.close()
            finally:
                self._side = None


class JobRun:
    """What the work gets: the job, its user (rights checked), the progress
    callback, and where to put the file and the summary."""

    def __init__(self, job: FileJob, labels: dict[str, str] | None = None):
        self.job = job
        self.user: User = job.user
        self.params: dict[str, Any] = job.params
        self.progress = JobProgress(job, labels)
        self.summary: dict[str, Any] = {}
        self.file_name = ""
        self.filename = ""
        self.content_type = ""
        self.audit = {"audit_object_type": "", "audit_object_id": "", "audit_detail": ""}

    def stage(self, label: str) -> None:
        """A stage without rows to count (the progress bar shows it busy)."""
        self.progress(label, 0, None)

    @contextmanager
    def file(self, filename: str, content_type: str) -> Iterator[IO[bytes]]:
        """A file on the private storage to write the result to, streamed;
        ``filename`` is the name the download gets (no personal data)."""
        extension = os.path.splitext(filename)[1]
        name = default_storage.save(
            f"{FOLDER}/{self.job.pk.hex}/resultat{extension}", ContentFile(b"")
        )
        self.file_name = name
        with default_storage.open(name, "wb") as handle:
            yield handle
        self.filename, self.content_type = filename, content_type

    def save(self, content: bytes, filename: str, content_type: str) -> None:
        """The result when the work has made it as bytes (a PDF)."""
        with self.file(filename, content_type) as handle:
            handle.write(content)

    def audit_as(self, *, object_type: str, object_id: str = "", detail: str = "") -> None:
        """What each download writes to the audit trail (ids and dates only)."""
        self.audit = {
            "audit_object_type": object_type,
            "audit_object_id": object_id[:100],
            "audit_detail": detail[:200],
        }


def file_job_run(
    job_id: str,
    user_id: int,
    work: Callable[[JobRun], None],
    *,
    labels: dict[str, str] | None = None,
) -> str:
    """Run a job's ``work`` (the body of its task) and record its outcome.
    A job already finished is left alone (a task run again); one whose user
    may no longer do it fails with :data:`REFUSED_MESSAGE`; any other error
    fails it with :data:`FAILED_MESSAGE`, logged by its kind only, and is
    raised again as :class:`FileJobFailed` for the task's record."""
    job = FileJob.objects.select_related("user").filter(pk=job_id, user_id=user_id).first()
    if job is None:
        return "gone"
    if job.finished:
        return job.status
    if not file_job_allowed(job):
        _discard(job.upload.name)
        _fail(job, REFUSED_MESSAGE)
        return "refused"
    now = timezone.now()
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJob.Status.RUNNING, started_at=now, stage=STAGE_STARTING, done=0, total=None
    )
    run = JobRun(job, labels)
    try:
        work(run)
    except JobRefused:
        _discard(run.file_name)
        _fail(job, REFUSED_MESSAGE)
        return "refused"
    except Exception as exc:
        kind = type(exc).__name__
        logger.error("Background job %s (%s) failed (%s)", job.pk, job.kind, kind)
        _discard(run.file_name)
        _fail(job, FAILED_MESSAGE)
        raise FileJobFailed(kind) from None
    finally:
        run.progress.close()
        _discard(job.upload.name)
    done = run.progress.done
    total = run.progress.total if run.progress.total is not None else done
    finished = timezone.now()
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJob.Status.DONE,
        stage=STAGE_DONE,
        done=max(done, total),
        total=total,
        file=run.file_name,
        filename=run.filename[:100],
        content_type=run.content_type,
        summary=run.summary,
        upload="",
        finished_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.RATTINSATS_JOB_FILE_HOURS),
        **run.audit,
    )
    return "done"


def _fail(job: FileJob, message: str) -> None:
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJob.Status.FAILED,
        error=message,
        file="",
        upload="",
        finished_at=timezone.now(),
    )


def _discard(name: str) -> None:
    if name:
        try:
            default_storage.delete(name)
        except Exception as exc:
            logger.warning("A job's file could not be removed (%s)", type(exc).__name__)


# --- Reading -------------------------------------------------------------------


def file_job_of(user: User, pk) -> FileJob | None:
    """The job ``pk`` if ``user`` started it, else None; a job whose task
    failed outside the work (its worker was lost for good) is marked
    failed on the way."""
    job = FileJob.objects.filter(pk=pk, user=user).select_related("user").first()
    if job is not None and not job.finished and job.task_result_id:
        _refresh(job)
    return job


def file_jobs_of(user: User, limit: int = 20) -> list[FileJob]:
    """``user``'s latest jobs, newest first."""
    return list(FileJob.objects.filter(user=user)[:limit])


def _refresh(job: FileJob) -> None:
    try:
        result = default_task_backend.get_result(job.task_result_id)
    except Exception:
        return  # not kept (the immediate backend), or pruned
    if result.status == TaskResultStatus.FAILED:
        _fail(job, FAILED_MESSAGE)
        job.refresh_from_db()


def file_job_downloadable(job: FileJob, *, now: datetime.datetime | None = None) -> bool:
    """Whether the job's file may be downloaded now: done, not expired, and
    its user still in one of its roles."""
    now = now or timezone.now()
    return (
        job.status == FileJob.Status.DONE
        and bool(job.file)
        and job.expires_at is not None
        and job.expires_at > now
        and file_job_allowed(job)
    )


# --- Pruning -------------------------------------------------------------------


def file_jobs_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remove expired files (and their summaries), uploads left by jobs
    that ended, jobs finished more than ``RATTINSATS_JOB_RESULT_DAYS`` ago
    with their files, and folders on the storage that no job owns."""
    now = now or timezone.now()
    files = 0
    expired = FileJob.objects.filter(expires_at__lte=now).exclude(file="", summary={})
    for job in expired:
        _discard(job.file.name)
        files += 1 if job.file else 0
    expired.update(file="", summary={})
    old = FileJob.objects.filter(
        created_at__lt=now - datetime.timedelta(days=settings.RATTINSATS_JOB_RESULT_DAYS)
    )
    for job in old:
        _discard(job.file.name)
        _discard(job.upload.name)
    jobs, _ = old.delete()
    folders = _orphans_remove()
    return {"job_files": files, "file_jobs": jobs, "job_folders": folders}


def _orphans_remove() -> int:
    """Folders under ``jobb/`` whose job is gone (deleted with its user, or
    a transaction that rolled back after the upload was saved)."""
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    known = {pk.hex for pk in FileJob.objects.values_list("pk", flat=True)}
    # A job being started right now saves its upload before its row commits.
    settled = timezone.now() - datetime.timedelta(hours=1)
    removed = 0
    for folder in folders:
        if folder in known:
            continue
        _subfolders, names = default_storage.listdir(f"{FOLDER}/{folder}")
        paths = [f"{FOLDER}/{folder}/{name}" for name in names]
        if not paths or any(default_storage.get_modified_time(path) > settled for path in paths):
            continue
        for path in paths:
            _discard(path)
        removed += 1
    return removed
