"""Jobs for the job tests: each run leaves a line in a file, so that a test
(or a worker in another process) can count the runs."""

import time
from pathlib import Path

from django_tasks import task


@task()
def record_run(path: str, label: str) -> str:
    """Append ``label`` to the file: one line per run."""
    with Path(path).open("a") as f:
        f.write(label + "\n")
    return label


@task()
def record_then_hang(path: str, seconds: float) -> str:
    """Append a line; the first run then waits (until its worker is killed,
    at most ``seconds``), any later run finishes at once."""
    file = Path(path)
    with file.open("a") as f:
        f.write("run\n")
    if file.read_text().count("run") == 1:
        time.sleep(seconds)
    return "done"


@task()
def stop_now() -> None:
    """Stands for a job stopped by the worker's forced shutdown."""
    raise SystemExit(1)


def run_jobs(worker_id: str = "test-worker") -> None:
    """Run every ready job in a worker in the test, then return (no
    heartbeat thread, no schedule)."""
    from operations.worker import ProjectWorker

    ProjectWorker(
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
    ).run()
