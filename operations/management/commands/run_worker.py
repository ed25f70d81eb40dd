"""``manage.py run_worker``: the background worker (README, "Background
jobs"). django-tasks-db's ``db_worker`` with the project's heartbeat,
reaping of dead workers' jobs and the schedule (``operations.worker``).
Run one or more, on one or more machines, against the same database."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from operations.worker import ProjectWorker, worker_id_new


class Command(db_worker.Command):
    help = (
        "Kör bakgrundsjobb: hjärtslag, övertar jobb från stoppade arbetsprocesser "
        "och startar schemalagda jobb."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Made when the worker starts (host:pid:random), not when imported.
        parser.set_defaults(worker_id=None)
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Starta inga schemalagda jobb (andra arbetsprocesser gör det).",
        )

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str | None,
        exclude_queues: str,
        schedule: bool,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ProjectWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id or worker_id_new(),
            excluded_queue_names=excluded,
            schedule=schedule,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
