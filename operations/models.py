"""The background workers' own records: who is alive, and which scheduled
runs have been started (README, "Background jobs").

The jobs themselves are Django's tasks API rows (``django_tasks_db``'s
``DBTaskResult``); these two tables sit beside them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running worker (``manage.py run_worker``), renewed every
    few seconds. A worker whose row is older than
    ``RATTINSATS_WORKER_STALE_SECONDS`` counts as dead: its running job is
    retried or failed by the other workers (``operations.worker``)."""

    worker_id = models.CharField(_("arbetsprocess"), max_length=64, unique=True)
    host = models.CharField(_("server"), max_length=255)
    pid = models.PositiveIntegerField(_("process-id"))
    started_at = models.DateTimeField(_("startad"))
    last_seen = models.DateTimeField(_("senast sedd"), db_index=True)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("arbetsprocess")
        verbose_name_plural = _("arbetsprocesser")

    def __str__(self):
        return self.worker_id


class ScheduledRun(models.Model):
    """A scheduled job's run for one period (a day): the unique constraint
    makes each run start once, however many workers on however many
    machines find it due at the same time."""

    name = models.CharField(_("schemalagt jobb"), max_length=64)
    # The period the run is for: the local date (YYYY-MM-DD) of a daily job.
    period = models.CharField(_("period"), max_length=32)
    enqueued_at = models.DateTimeField(_("köad"))
    enqueued_by = models.CharField(_("köad av arbetsprocess"), max_length=64, blank=True)
    # The id of the job (``DBTaskResult``) that runs it; no foreign key, so
    # that pruning old job results leaves this record.
    job_id = models.CharField(_("jobb-id"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)

    class Meta:
        ordering = ["-enqueued_at", "-id"]
        verbose_name = _("schemalagd körning")
        verbose_name_plural = _("schemalagda körningar")
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="scheduled_run_once"),
        ]

    def __str__(self):
        return f"{self.name} {self.period}"
