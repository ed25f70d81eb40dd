"""The background worker (``manage.py run_worker``): django-tasks-db's
worker, with a heartbeat, the reaping of jobs left running by a dead
worker, and the schedule (README, "Background jobs").

- **Claiming** stays the backend's: one ready job at a time, taken with a
  row lock (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive
  transaction on SQLite), so two workers never take the same job.
- **Heartbeat**: each worker has a ``WorkerHeartbeat`` row, renewed every
  ``RATTINSATS_WORKER_HEARTBEAT_SECONDS`` by a thread of its own, so that a
  long job does not stop it. A worker not heard from for
  ``RATTINSATS_WORKER_STALE_SECONDS`` counts as dead.
- **Reaping**: at its start and every half minute (every half stale time
  when that is shorter) each worker takes back the jobs left running by
  dead workers (:func:`jobs_reap`): such a job is
  queued again, or marked failed once it has been tried
  ``RATTINSATS_JOB_MAX_ATTEMPTS`` times (each claim counts as an attempt).
  Each is re-checked under a row lock, so of several workers reaping at
  once only one takes it back.
- **Never twice at the same time**: a worker that cannot renew its
  heartbeat for three quarters of the stale time, or finds it already
  stale (it was paused), stops at once (``os._exit``), job and all, before
  the others may take its job back. A result written by a worker whose job
  was taken back is dropped (the write is conditional on the claim).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks.utils import get_module_path, normalize_json
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, retry

from rattinsats.logging import mask_personnummer

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# How often a worker looks for jobs left by dead workers (at most; every
# half stale time when that is shorter), and for scheduled jobs that are
# due (seconds).
REAP_EVERY = 30
SCHEDULE_EVERY = 60
# The exit status of a worker that stopped itself because its heartbeat
# could not be kept: the service manager starts a fresh one.
EXIT_HEARTBEAT_LOST = 70


class WorkerLost(Exception):
    """Recorded as the error of a job whose worker stopped while running it."""


WORKER_LOST = get_module_path(WorkerLost)


def worker_id_new() -> str:
    """A worker id unique across machines that says where it runs:
    ``host:pid:random`` (at most 64 characters)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.RATTINSATS_WORKER_STALE_SECONDS)


# --- Heartbeat ---------------------------------------------------------------


class WorkerIdInUse(Exception):
    """Another worker with the same id is alive (worker ids must be unique)."""


def heartbeat_register(worker_id: str, *, now: datetime.datetime | None = None) -> None:
    """Start the worker's heartbeat. A stale row with the same id (the same
    ``--worker-id`` given again after a crash) is an earlier run of it: its
    jobs are taken back first, then the row is replaced. A fresh one is
    another live worker: refused."""
    now = now or timezone.now()
    earlier = WorkerHeartbeat.objects.filter(worker_id=worker_id).first()
    if earlier is not None:
        if earlier.last_seen >= _stale_before(now):
            raise WorkerIdInUse(f"a worker with the id {worker_id} is running")
        jobs_reap(now=now)
        earlier.delete()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        last_seen=now,
    )


def heartbeat_beat(worker_id: str, *, now: datetime.datetime | None = None) -> bool:
    """Renew the worker's heartbeat. False when it is missing or already
    stale: the others may be taking its job back, so it must stop."""
    now = now or timezone.now()
    renewed = WorkerHeartbeat.objects.filter(
        worker_id=worker_id, last_seen__gte=_stale_before(now)
    ).update(last_seen=now)
    return renewed == 1


def heartbeat_remove(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def workers_alive(*, now: datetime.datetime | None = None) -> set[str]:
    now = now or timezone.now()
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=_stale_before(now)).values_list(
            "worker_id", flat=True
        )
    )


# --- Reaping -----------------------------------------------------------------


@dataclass
class ReapResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def jobs_reap(*, now: datetime.datetime | None = None, backend_name: str = "default") -> ReapResult:
    """Take back the jobs left running by dead workers: queue each again
    (its attempts are its claims, ``len(worker_ids)``), or mark it failed
    after ``RATTINSATS_JOB_MAX_ATTEMPTS`` attempts.

    A job's worker is dead when its heartbeat is stale; a worker without a
    heartbeat row (gone, or never ours) counts as dead only once the job has
    run for the stale time. A handful of queries: the running jobs are at
    most one per worker."""
    now = now or timezone.now()
    stale_before = _stale_before(now)
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_seen"))
    result = ReapResult()
    running = DBTaskResult.objects.running().filter(backend_name=backend_name)
    for pk, worker_ids, started_at in running.values_list("pk", "worker_ids", "started_at"):
        last = worker_ids[-1] if worker_ids else None
        seen = beats.get(last) if last is not None else None
        if seen is not None and seen >= stale_before:
            continue  # alive
        if seen is None and started_at is not None and started_at >= stale_before:
            continue  # no heartbeat row, but claimed only just now
        outcome = _job_take_back(str(pk), worker_ids, now=now)
        if outcome == "requeued":
            result.requeued.append(str(pk))
        elif outcome == "failed":
            result.failed.append(str(pk))
    return result


def _job_take_back(pk: str, worker_ids: list[str], *, now: datetime.datetime) -> str | None:
    """Queue one job of a dead worker again, or fail it after its last
    attempt; re-checked under a row lock, so only one reaper does it."""
    with exclusive_transaction(DBTaskResult.objects.db):
        job = (
            DBTaskResult.objects.select_for_update()
            .filter(pk=pk, status=TaskResultStatus.RUNNING)
            .first()
        )
        if job is None or job.worker_ids != worker_ids:
            return None  # finished, or already taken back (and perhaps claimed again)
        attempts = len(job.worker_ids)
        limit = settings.RATTINSATS_JOB_MAX_ATTEMPTS
        job.exception_class_path = WORKER_LOST
        job.traceback = (
            f"{WORKER_LOST}: worker {job.worker_ids[-1] if job.worker_ids else '?'} stopped "
            f"while running the job (attempt {attempts} of {limit})\n"
        )
        if attempts < limit:
            job.status = TaskResultStatus.READY
            job.save(update_fields=["status", "exception_class_path", "traceback"])
            outcome = "requeued"
        else:
            job.status = TaskResultStatus.FAILED
            job.finished_at = now
            job.return_value = None
            job.save(
                update_fields=[
                    "status",
                    "finished_at",
                    "return_value",
                    "exception_class_path",
                    "traceback",
                ]
            )
            outcome = "failed"
    log = logger.warning if outcome == "requeued" else logger.error
    log(
        "Job %s (%s) was left running by a stopped worker: %s (attempt %d of %d)",
        pk,
        job.task_path,
        "queued again" if outcome == "requeued" else "failed",
        attempts,
        limit,
    )
    return outcome


def job_release(db_result: DBTaskResult) -> str | None:
    """A job interrupted by its own worker's forced stop: queued again (or
    failed after its last attempt), as if its worker had died."""
    return _job_take_back(str(db_result.pk), list(db_result.worker_ids), now=timezone.now())


# --- Results, written only while the claim holds -----------------------------


@retry()
def _job_record(db_result: DBTaskResult, **values: Any) -> bool:
    """Write a job's outcome, only if it is still this worker's claim
    (running, with the same start): a job taken back from a worker thought
    dead keeps the outcome of the run that owns it now."""
    return (
        DBTaskResult.objects.filter(
            pk=db_result.pk,
            status=TaskResultStatus.RUNNING,
            started_at=db_result.started_at,
        ).update(finished_at=timezone.now(), **values)
        == 1
    )


def _error_values(exc: BaseException) -> dict[str, Any]:
    text = "".join(traceback.format_exception(exc))
    return {
        "status": TaskResultStatus.FAILED,
        "return_value": None,
        "exception_class_path": get_module_path(type(exc)),
        # Stored in the database: no personnummer, whatever the error quoted.
        "traceback": mask_personnummer(text),
    }


# --- The worker --------------------------------------------------------------


class ProjectWorker(Worker):
    """django-tasks-db's worker with a heartbeat, reaping, the schedule and
    results written only while the claim holds."""

    def __init__(
        self, *, housekeeping_thread: bool = True, schedule: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        # The heartbeat (and the periodic reaping and schedule) in a thread
        # of its own; without it, only once at the start (tests).
        self.housekeeping_thread = housekeeping_thread
        # Whether this worker starts scheduled jobs (any one worker may).
        self.schedule = schedule
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # The main loop (claiming) is the backend's; around it, the heartbeat.
    def run(self) -> None:
        heartbeat_register(self.worker_id)
        try:
            self.housekeeping(reap=True, schedule=self.schedule)
            if self.housekeeping_thread:
                self._thread = threading.Thread(
                    target=self._housekeeping_loop, name="worker-heartbeat", daemon=True
                )
                self._thread.start()
            super().run()
        finally:
            self._stop.set()
            if self._thread is not None:
                self._thread.join(timeout=settings.RATTINSATS_WORKER_HEARTBEAT_SECONDS + 5)
            try:
                heartbeat_remove(self.worker_id)
            except Exception as exc:
                logger.warning(
                    "The worker's heartbeat could not be removed (%s)", type(exc).__name__
                )

    def housekeeping(self, *, reap: bool, schedule: bool) -> None:
        """Take back dead workers' jobs and queue the scheduled jobs that are
        due; a failure is logged and tried again next time."""
        from .schedule import schedule_enqueue_due

        if reap:
            try:
                jobs_reap(backend_name=self.backend_name)
            except Exception as exc:
                logger.error("Reaping the jobs of stopped workers failed (%s)", type(exc).__name__)
        if schedule:
            try:
                schedule_enqueue_due(worker_id=self.worker_id)
            except Exception as exc:
                logger.error("Queuing the scheduled jobs failed (%s)", type(exc).__name__)

    def _housekeeping_loop(self) -> None:
        interval = settings.RATTINSATS_WORKER_HEARTBEAT_SECONDS
        fence_after = settings.RATTINSATS_WORKER_STALE_SECONDS * 0.75
        reap_every = min(REAP_EVERY, settings.RATTINSATS_WORKER_STALE_SECONDS / 2)
        last_beat = next_reap = next_schedule = time.monotonic()
        next_reap += reap_every
        next_schedule += SCHEDULE_EVERY
        try:
            while not self._stop.wait(interval):
                close_old_connections()
                try:
                    alive = heartbeat_beat(self.worker_id)
                except Exception as exc:
                    logger.warning("The heartbeat could not be written (%s)", type(exc).__name__)
                    if time.monotonic() - last_beat > fence_after:
                        self.heartbeat_lost(f"no heartbeat written for {fence_after:.0f} s")
                    continue
                if not alive:
                    self.heartbeat_lost("its heartbeat was stale or gone")
                    continue
                last_beat = now = time.monotonic()
                if now >= next_reap or now >= next_schedule:
                    self.housekeeping(
                        reap=now >= next_reap, schedule=self.schedule and now >= next_schedule
                    )
                    if now >= next_reap:
                        next_reap = now + reap_every
                    if now >= next_schedule:
                        next_schedule = now + SCHEDULE_EVERY
        finally:
            connections.close_all()

    def heartbeat_lost(self, why: str) -> None:
        """The others may take this worker's job back: stop at once, job
        and all (its transaction rolls back), rather than run it twice."""
        logger.critical("Worker %s stops: %s", self.worker_id, why)
        os._exit(EXIT_HEARTBEAT_LOST)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed job, as the backend's worker does, but write its
        outcome only while the claim holds, keep personnummer out of the
        stored traceback, and on a forced stop queue the job again."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            recorded = _job_record(
                db_task_result,
                status=TaskResultStatus.SUCCESSFUL,
                return_value=normalize_json(value),
                exception_class_path="",
                traceback="",
            )
            self._finished(db_task_result, recorded, backend_type)
        except (KeyboardInterrupt, SystemExit):
            # A forced stop (a second signal) in the middle of the job.
            job_release(db_task_result)
            raise
        except BaseException as exc:
            try:
                recorded = _job_record(db_task_result, **_error_values(exc))
                self._finished(db_task_result, recorded, type(db_task_result.task.get_backend()))
            except Exception:
                logger.exception(
                    "Job %s failed and its failure could not be recorded", db_task_result.pk
                )
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _finished(self, db_task_result: DBTaskResult, recorded: bool, sender: type) -> None:
        if not recorded:
            logger.warning(
                "Job %s was taken back from worker %s while it ran: its outcome here is dropped",
                db_task_result.pk,
                self.worker_id,
            )
            return
        db_task_result.refresh_from_db()
        task_finished.send(sender=sender, task_result=db_task_result.task_result)
