"""The schedule: jobs that run once a day, started by the workers.

Every worker, once a minute, asks :func:`schedule_enqueue_due` which
scheduled jobs are due: a daily job is due from its local hour (Europe/
Stockholm, ``TIME_ZONE``) until the day's run has been started. Starting a
run inserts a ``ScheduledRun`` row for (job, day), whose unique constraint
lets exactly one worker start it, however many workers on however many
machines find it due at the same moment; the same transaction queues its
job, so a run is either both recorded and queued or neither. A day on which
no worker ran at all is not made up for later; a day's run that was missed
at its hour starts as soon as a worker runs that day.

``manage.py run_scheduled_job NAME`` runs one by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from rattinsats.file_jobs import file_jobs_prune

from .digest import digest_send
from .models import ScheduledRun, WorkerHeartbeat
from .retention import retention_anonymise


def _retention_run(day: datetime.date) -> dict[str, int]:
    result = retention_anonymise(today=day)
    return {
        "participants": len(result.participant_ids),
        "referrals": len(result.referral_ids),
        "meetings": len(result.meeting_ids),
        "employer_contacts": len(result.contact_ids),
        "employers": len(result.employer_ids),
    }


def _jobs_prune(day: datetime.date) -> dict[str, int]:
    """Delete finished jobs' rows (their arguments hold user ids and mail
    texts) and the schedule's records ``RATTINSATS_JOB_RESULT_DAYS`` days
    before ``day``, the heartbeats of workers gone for a day, and the
    background exports' expired files (``rattinsats.file_jobs``)."""
    before = timezone.make_aware(
        datetime.datetime.combine(
            day - datetime.timedelta(days=settings.RATTINSATS_JOB_RESULT_DAYS), datetime.time.min
        )
    )
    jobs, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=before,
    ).delete()
    runs, _ = ScheduledRun.objects.filter(enqueued_at__lt=before).delete()
    workers, _ = WorkerHeartbeat.objects.filter(
        last_seen__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()
    # The background exports' files past RATTINSATS_JOB_FILE_HOURS, and
    # their jobs' rows after RATTINSATS_JOB_RESULT_DAYS.
    files = file_jobs_prune()
    return {"jobs": jobs, "scheduled_runs": runs, "workers": workers, **files}


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    description: str
    # The local hour from which the day's run is due.
    hour: Callable[[], int]
    enabled: Callable[[], bool]
    run: Callable[[datetime.date], dict[str, int]]
    # Run in the transaction that marks the day's run done, so that a run
    # taken back from a dead worker does not do it twice (the digest); the
    # others run their own transactions and are safe to run again.
    atomic: bool = False


SCHEDULE: dict[str, ScheduledJob] = {
    job.name: job
    for job in (
        ScheduledJob(
            name="staff_digest",
            description="Daglig sammanfattning av Att göra till projektets medarbetare",
            hour=lambda: settings.RATTINSATS_DIGEST_HOUR,
            enabled=lambda: settings.RATTINSATS_DIGEST_ENABLED,
            run=digest_send,
            atomic=True,
        ),
        ScheduledJob(
            name="retention",
            description="Gallring (retention_anonymise)",
            hour=lambda: settings.RATTINSATS_RETENTION_HOUR,
            enabled=lambda: settings.RATTINSATS_RETENTION_NIGHTLY,
            run=_retention_run,
        ),
        ScheduledJob(
            name="prune_jobs",
            description="Rensning av gamla jobbresultat",
            hour=lambda: 3,
            enabled=lambda: True,
            run=_jobs_prune,
        ),
    )
}


def due_period(job: ScheduledJob, now: datetime.datetime) -> str | None:
    """The day (``YYYY-MM-DD``, local) whose run of ``job`` is due at
    ``now``, or None before its hour or while it is turned off."""
    if not job.enabled():
        return None
    local = timezone.localtime(now)
    if local.hour < job.hour():
        return None
    return local.date().isoformat()


def schedule_enqueue_due(
    *, now: datetime.datetime | None = None, worker_id: str = ""
) -> list[ScheduledRun]:
    """Start each scheduled job that is due and not yet started for its day:
    record its run and queue its job in one transaction. Of several workers
    doing this at once, one inserts the row; the others' inserts hit the
    unique constraint and start nothing. Returns the runs started here."""
    now = now or timezone.now()
    started = []
    for job in SCHEDULE.values():
        period = due_period(job, now)
        if period is None or ScheduledRun.objects.filter(name=job.name, period=period).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    name=job.name, period=period, enqueued_at=now, enqueued_by=worker_id
                )
                result = scheduled_job_run.enqueue(job.name, period)
                run.job_id = str(result.id)
                run.save(update_fields=["job_id"])
        except IntegrityError:
            continue  # another worker started it first
        started.append(run)
    return started


@task()
def scheduled_job_run(name: str, period: str, by_hand: bool = False) -> dict[str, Any]:
    """The job of a scheduled run: do ``name`` for the day ``period``, and
    mark the run done. An atomic job whose run is already done does
    nothing. ``by_hand``: a run asked for with ``run_scheduled_job
    --enqueue``, which the schedule's records do not limit."""
    job = SCHEDULE[name]
    day = datetime.date.fromisoformat(period)
    if by_hand:
        return job.run(day)
    if not job.atomic:
        outcome = job.run(day)
        ScheduledRun.objects.filter(name=name, period=period).update(finished_at=timezone.now())
        return outcome
    with transaction.atomic():
        run = ScheduledRun.objects.select_for_update().filter(name=name, period=period).first()
        if run is not None and run.finished_at is not None:
            return {"already_done": 1}
        outcome = job.run(day)
        if run is not None:
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
        return outcome
