"""``manage.py run_scheduled_job NAME``: run a scheduled job by hand
(README, "Background jobs"), here and now or (``--enqueue``) by a worker.

A run by hand is not the schedule's: the day's scheduled run still starts
at its hour (the digest then goes out twice that day)."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.models import ScheduledRun
from operations.schedule import SCHEDULE, scheduled_job_run


class Command(BaseCommand):
    help = "Kör ett schemalagt jobb för hand (eller lägg det i kön med --enqueue)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", choices=sorted(SCHEDULE), help="Jobbets namn.")
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            default=None,
            help="Dagen jobbet körs för (ÅÅÅÅ-MM-DD); i dag om det inte anges.",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Lägg jobbet i kön åt arbetsprocesserna."
        )
        parser.add_argument(
            "--list",
            action="store_true",
            dest="show_list",
            help="Visa schemat och de senaste körningarna.",
        )

    def handle(self, *args, name, date, enqueue, show_list, **options):
        if show_list:
            self._list()
            return
        if name is None:
            raise CommandError(f"Ange ett jobb: {', '.join(sorted(SCHEDULE))}.")
        day = date or timezone.localdate()
        if enqueue:
            result = scheduled_job_run.enqueue(name, day.isoformat(), by_hand=True)
            self.stdout.write(f"{name} {day} i kön (jobb {result.id}).")
            return
        outcome = SCHEDULE[name].run(day)
        self.stdout.write(f"{name} {day}: {json.dumps(outcome, sort_keys=True)}")

    def _list(self):
        for job in SCHEDULE.values():
            state = f"varje dag från kl. {job.hour():02d}" if job.enabled() else "avstängt"
            last = ScheduledRun.objects.filter(name=job.name).first()
            done = "aldrig"
            if last is not None:
                done = f"{last.period} ({'klar' if last.finished_at else 'pågår eller i kön'})"
            self.stdout.write(f"{job.name:<14} {state:<28} senast: {done}  – {job.description}")
