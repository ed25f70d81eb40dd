"""The background worker on the database backend, run in the test: claims,
heartbeats, and jobs left running by a dead worker (operations.worker)."""

import datetime
import json

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from operations.models import WorkerHeartbeat
from operations.worker import (
    WORKER_LOST,
    ProjectWorker,
    WorkerIdInUse,
    _job_record,
    heartbeat_beat,
    heartbeat_register,
    jobs_reap,
)

from .jobs_for_tests import record_run, stop_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_jobs(settings):
    """Jobs go to the database, as in production, until a worker runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RATTINSATS_WORKER_STALE_SECONDS = 60
    settings.RATTINSATS_JOB_MAX_ATTEMPTS = 3


def worker(worker_id: str) -> ProjectWorker:
    """A worker that runs every ready job, then stops (no thread, no schedule)."""
    return ProjectWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
        housekeeping_thread=False,
        schedule=False,
    )


def runs(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def claimed_by_dead_worker(job_id, worker_id="dead", minutes_ago=10):
    """The job as a worker left it when it was killed mid-run: running,
    claimed by it, and its heartbeat long stale."""
    long_ago = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="dead-host", pid=1, started_at=long_ago, last_seen=long_ago
    )
    job = DBTaskResult.objects.get(pk=job_id)
    job.claim(worker_id)
    return job


def test_a_queued_job_waits_for_a_worker_which_runs_it_once(tmp_path):
    log = tmp_path / "runs.txt"
    result = record_run.enqueue(str(log), "a")
    assert runs(log) == []
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    worker("worker-a").run()
    worker("worker-b").run()

    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids == ["worker-a"]
    assert job.task_result.return_value == "a"
    assert runs(log) == ["a"]
    # A worker that stops cleanly removes its heartbeat.
    assert not WorkerHeartbeat.objects.exists()


def test_a_job_left_running_by_a_dead_worker_is_queued_again_once_and_run_once(tmp_path):
    log = tmp_path / "runs.txt"
    result = record_run.enqueue(str(log), "retried")
    claimed_by_dead_worker(result.id)

    # Two live workers reap at the same time: one takes the job back.
    first, second = jobs_reap(), jobs_reap()
    assert first.requeued == [str(result.id)]
    assert second.requeued == [] and second.failed == []
    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.READY
    assert job.worker_ids == ["dead"]  # the attempt is counted
    assert job.exception_class_path == WORKER_LOST

    worker("worker-a").run()
    worker("worker-b").run()

    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids == ["dead", "worker-a"]
    assert job.traceback == ""
    assert runs(log) == ["retried"]


def test_a_worker_reaps_at_its_start(tmp_path):
    log = tmp_path / "runs.txt"
    result = record_run.enqueue(str(log), "x")
    claimed_by_dead_worker(result.id)

    worker("worker-a").run()

    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert runs(log) == ["x"]


def test_a_job_is_failed_after_its_last_attempt_never_lost(tmp_path, settings):
    settings.RATTINSATS_JOB_MAX_ATTEMPTS = 2
    log = tmp_path / "runs.txt"
    result = record_run.enqueue(str(log), "x")
    job = claimed_by_dead_worker(result.id, "dead-1")
    assert jobs_reap().requeued == [str(result.id)]
    job.refresh_from_db()
    job.claim("dead-2")
    WorkerHeartbeat.objects.filter(worker_id="dead-1").update(worker_id="dead-2")

    assert jobs_reap().failed == [str(result.id)]

    job.refresh_from_db()
    assert job.status == TaskResultStatus.FAILED
    assert job.finished_at is not None
    assert job.task_result.errors[0].exception_class_path == WORKER_LOST
    assert "attempt 2 of 2" in job.traceback
    worker("worker-a").run()
    assert runs(log) == []


def test_the_job_of_a_live_worker_is_left_alone(tmp_path):
    result = record_run.enqueue(str(tmp_path / "runs.txt"), "x")
    heartbeat_register("alive")
    DBTaskResult.objects.get(pk=result.id).claim("alive")
    # Claimed just now by a worker without a heartbeat row (not ours).
    other = record_run.enqueue(str(tmp_path / "runs.txt"), "y")
    DBTaskResult.objects.get(pk=other.id).claim("no-heartbeat")

    assert jobs_reap().requeued == []
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.RUNNING}

    # Once the stale time has passed, the worker without a heartbeat counts
    # as dead; the live one still beats.
    assert heartbeat_beat("alive", now=timezone.now() + datetime.timedelta(seconds=30))
    later = timezone.now() + datetime.timedelta(seconds=61)
    assert jobs_reap(now=later).requeued == [str(other.id)]


def test_a_heartbeat_renews_and_a_stale_one_cannot_be_renewed():
    now = timezone.now()
    heartbeat_register("w", now=now)
    assert heartbeat_beat("w", now=now + datetime.timedelta(seconds=30))
    assert WorkerHeartbeat.objects.get(worker_id="w").last_seen == now + datetime.timedelta(
        seconds=30
    )
    # Not heard from for longer than the stale time: it counts as dead, and
    # must stop rather than carry on beside the worker that took its job.
    assert not heartbeat_beat("w", now=now + datetime.timedelta(seconds=91))
    assert not heartbeat_beat("never-registered")


def test_the_outcome_of_a_job_taken_back_meanwhile_is_dropped(tmp_path):
    result = record_run.enqueue(str(tmp_path / "runs.txt"), "x")
    slow = claimed_by_dead_worker(result.id, "slow")  # stale, but still running
    jobs_reap()
    again = DBTaskResult.objects.get(pk=result.id)
    again.claim("worker-b")

    # The slow worker finishes after all: its write finds the claim gone.
    assert not _job_record(slow, status=TaskResultStatus.SUCCESSFUL, return_value="late")

    again.refresh_from_db()
    assert again.status == TaskResultStatus.RUNNING
    assert again.worker_ids == ["slow", "worker-b"]


def test_a_job_stopped_by_a_forced_shutdown_is_queued_again():
    result = stop_now.enqueue()
    w = worker("worker-a")
    with pytest.raises(SystemExit):
        w.run()
    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.READY
    assert job.worker_ids == ["worker-a"]
    assert not WorkerHeartbeat.objects.exists()


def test_a_failed_job_is_recorded_without_a_personnummer_in_its_traceback():
    result = record_run.enqueue("/nonexistent-folder/19121212-1212/runs.txt", "x")
    worker("worker-a").run()
    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.FAILED
    assert job.exception_class_path == "builtins.FileNotFoundError"
    assert "19121212-1212" not in job.traceback
    assert "[personnummer]" in job.traceback
    assert "19121212-1212" in json.dumps(job.args_kwargs)  # the test's own argument


def test_a_worker_id_given_again_after_a_crash_takes_back_its_earlier_jobs(tmp_path):
    log = tmp_path / "runs.txt"
    result = record_run.enqueue(str(log), "x")
    claimed_by_dead_worker(result.id, "fixed-id")  # the earlier run, crashed

    worker("fixed-id").run()

    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids == ["fixed-id", "fixed-id"]
    assert runs(log) == ["x"]


def test_a_worker_id_of_a_live_worker_is_refused():
    heartbeat_register("taken")
    with pytest.raises(WorkerIdInUse):
        worker("taken").run()
    assert WorkerHeartbeat.objects.get().worker_id == "taken"
