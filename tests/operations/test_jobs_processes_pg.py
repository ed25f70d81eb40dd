"""Real worker processes (``manage.py run_worker``) on the test database
(PostgreSQL, which other processes can reach): a worker killed in the
middle of a job, its job taken back and finished by another; the heartbeat
going on during a long job; a clean stop; a worker that finds itself
declared dead stops at once."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from operations.models import WorkerHeartbeat
from operations.worker import EXIT_HEARTBEAT_LOST

from .jobs_for_tests import record_then_hang

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds at most for anything a worker process should do


@pytest.fixture(autouse=True)
def database_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def start_worker(tmp_path):
    """Start ``run_worker`` processes on the test database; kill any left."""
    started = []

    def start(worker_id, *extra, settings=None):
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "RATTINSATS_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "RATTINSATS_WORKER_HEARTBEAT_SECONDS": "0.3",
            "RATTINSATS_WORKER_STALE_SECONDS": "20",
            **(settings or {}),
        }
        out = (tmp_path / f"{worker_id}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--no-reload",
                "--no-startup-delay",
                "--no-schedule",
                "--interval",
                "0.1",
                "--worker-id",
                worker_id,
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT)


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_job_has_its_job_finished_by_another_exactly_once(
    tmp_path, start_worker
):
    log = tmp_path / "runs.txt"
    result = record_then_hang.enqueue(str(log), WAIT)
    a = start_worker("worker-a")
    wait_for(lambda: log.exists() and log.read_text() == "run\n", "worker A to start the job")

    # The heartbeat goes on while the job runs (a thread of its own).
    seen = WorkerHeartbeat.objects.get(worker_id="worker-a").last_seen
    wait_for(
        lambda: WorkerHeartbeat.objects.get(worker_id="worker-a").last_seen > seen,
        "a heartbeat during the job",
    )

    a.send_signal(signal.SIGKILL)
    a.wait(timeout=WAIT)
    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == TaskResultStatus.RUNNING
    assert job.worker_ids == ["worker-a"]
    # Time passes: A's heartbeat goes stale.
    WorkerHeartbeat.objects.filter(worker_id="worker-a").update(
        last_seen=timezone.now() - datetime.timedelta(minutes=5)
    )

    b = start_worker("worker-b", "--batch")
    assert b.wait(timeout=WAIT) == 0, (tmp_path / "worker-b.log").read_text()

    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids == ["worker-a", "worker-b"]
    assert log.read_text() == "run\nrun\n"  # the second run finished it
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["worker-a"]


# Short times for the tests below: a worker not heard from for 6 s is dead,
# and a live worker looks for its jobs every 3 s (half the stale time).
SHORT_TIMES = {
    "RATTINSATS_WORKER_HEARTBEAT_SECONDS": "0.5",
    "RATTINSATS_WORKER_STALE_SECONDS": "6",
}


@pytest.mark.parametrize(
    ("max_attempts", "outcome"),
    [("3", TaskResultStatus.SUCCESSFUL), ("1", TaskResultStatus.FAILED)],
)
def test_a_worker_killed_mid_job_has_its_job_taken_back_by_a_running_one_after_the_stale_time(
    tmp_path, start_worker, max_attempts, outcome
):
    """No clock set back by hand: A is killed with SIGKILL in the middle of
    the job while B runs beside it; B takes the job back once A's heartbeat
    is older than the stale time, never before, and runs it again (or marks
    it failed when A's claim was its last attempt)."""
    times = {**SHORT_TIMES, "RATTINSATS_JOB_MAX_ATTEMPTS": max_attempts}
    log = tmp_path / "runs.txt"
    result = record_then_hang.enqueue(str(log), WAIT)
    a = start_worker("worker-a", settings=times)
    wait_for(lambda: log.exists() and log.read_text() == "run\n", "worker A to start the job")
    b = start_worker("worker-b", settings=times)
    wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="worker-b").exists(), "worker B")

    a.send_signal(signal.SIGKILL)
    a.wait(timeout=WAIT)
    killed_at = time.monotonic()
    last_seen = WorkerHeartbeat.objects.get(worker_id="worker-a").last_seen

    def taken_back():
        job = DBTaskResult.objects.get(pk=result.id)
        return job.status != TaskResultStatus.RUNNING or job.worker_ids != ["worker-a"]

    # Until A's heartbeat is stale (6 s after its last beat), the job stays A's.
    while timezone.now() < last_seen + datetime.timedelta(seconds=5):
        assert not taken_back(), "taken back before the stale time"
        time.sleep(0.2)
    wait_for(taken_back, "worker B to take the job back")
    # The stale time from the kill, one reaping interval, slack for a busy machine.
    assert time.monotonic() - killed_at < 6 + 3 + 10
    job = DBTaskResult.objects.get(pk=result.id)

    wait_for(
        lambda: (
            DBTaskResult.objects.get(pk=result.id).status
            in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
        ),
        "the job to end",
    )
    job.refresh_from_db()
    assert job.status == outcome
    if outcome == TaskResultStatus.SUCCESSFUL:
        assert job.worker_ids == ["worker-a", "worker-b"]
        assert log.read_text() == "run\nrun\n"  # once killed, once to the end
    else:
        assert job.worker_ids == ["worker-a"]
        assert job.exception_class_path == "operations.worker.WorkerLost"
        assert log.read_text() == "run\n"  # never started again
    assert b.poll() is None  # B goes on working
    b.send_signal(signal.SIGTERM)
    assert b.wait(timeout=WAIT) == 0


def test_a_worker_stops_cleanly_on_sigterm_and_removes_its_heartbeat(start_worker):
    worker = start_worker("worker-c")
    wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="worker-c").exists(), "heartbeat")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=WAIT) == 0
    assert not WorkerHeartbeat.objects.exists()


def test_a_worker_found_declared_dead_stops_at_once(tmp_path, start_worker):
    log = tmp_path / "runs.txt"
    result = record_then_hang.enqueue(str(log), WAIT)
    worker = start_worker("worker-d")
    wait_for(lambda: log.exists(), "the job to start")

    # It was paused longer than the stale time: the others may take its job.
    WorkerHeartbeat.objects.filter(worker_id="worker-d").update(
        last_seen=timezone.now() - datetime.timedelta(minutes=5)
    )

    assert worker.wait(timeout=WAIT) == EXIT_HEARTBEAT_LOST
    assert "stops: its heartbeat was stale or gone" in (tmp_path / "worker-d.log").read_text()
    # Its job is still marked as its own, for a live worker to take back.
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
