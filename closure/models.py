"""Closure (*avslut*) of a participation and what follows it: the status
at start and at closure, the follow-up, labour-market trainings and the
summary document."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Flag
from participants.models import ClosureReason, ClosureResult, Participant, Task
from rattinsats.models import Organisation


class EmploymentStatus(models.TextChoices):
    """Employment status, in the shape of the coordination associations'
    national follow-up (SUS)."""

    PAID_WORK = "paid_work", _("Arbete")
    SUBSIDISED_WORK = "subsidised_work", _("Arbete med stöd")
    STUDIES = "studies", _("Studier")
    SEEKING_WORK = "seeking_work", _("Arbetssökande")
    OTHER = "other", _("Annat")


class IncomeSource(models.TextChoices):
    EKONOMISKT_BISTAND = "ekonomiskt_bistand", _("Ekonomiskt bistånd")
    AKTIVITETSSTOD = "aktivitetsstod", _("Aktivitetsstöd")
    SJUKPENNING = "sjukpenning", _("Sjukpenning/sjukersättning")
    SALARY = "salary", _("Lön")
    CSN = "csn", _("CSN")
    NONE_OTHER = "none_other", _("Ingen/annan")


class StatusSnapshot(models.Model):
    """The participant's employment status and main source of income at the
    start and at the closure, so results can compare before and after."""

    class Moment(models.TextChoices):
        START = "start", _("Vid start")
        END = "end", _("Vid avslut")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="status_snapshots"
    )
    moment = models.CharField(_("tillfälle"), max_length=5, choices=Moment.choices)
    employment_status = models.CharField(
        _("sysselsättning"), max_length=16, choices=EmploymentStatus.choices
    )
    income_source = models.CharField(
        _("huvudsaklig försörjning"), max_length=20, choices=IncomeSource.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "participants_statussnapshot"
        verbose_name = _("status vid start/avslut")
        verbose_name_plural = _("status vid start/avslut")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "moment"], name="one_status_snapshot_per_moment"
            )
        ]
        indexes = [
            # The results' before/after comparison reads the two values of
            # each closed participant's start and end from the index alone.
            models.Index(
                fields=["participant", "moment", "employment_status", "income_source"],
                name="status_snapshot_values",
            )
        ]

    def __str__(self):
        return f"{self.get_moment_display()}: {self.get_employment_status_display()}"


class OtherClosureReason(models.TextChoices):
    """Closure for other reasons (*övriga skäl*, domain.md §4 step 7)."""

    LONG_SICK_LEAVE = "long_sick_leave", _("Långvarig sjukskrivning")
    NOT_REACHABLE = "not_reachable", _("Går inte att nå")
    OTHER_INTERVENTION = "other_intervention", _("Behöver en annan insats")
    NO_MOVE = "no_move", _("Ingen stegvis förflyttning har skett")
    MOVED_AWAY = "moved_away", _("Har flyttat")
    OTHER = "other", _("Annat skäl")


# The results a closure reason admits: work leads to a job (or to work
# without self-support), studies to studies with CSN (or without).
RESULTS_FOR_REASON: dict[str, list[ClosureResult]] = {
    ClosureReason.WORK: [
        ClosureResult.JOB_WITHOUT_SUPPORT,
        ClosureResult.EXTRATJANST,
        ClosureResult.LONEBIDRAG,
        ClosureResult.NYSTARTSJOBB,
        ClosureResult.INTROJOBB,
        ClosureResult.NO_SELF_SUPPORT,
    ],
    ClosureReason.STUDIES: [ClosureResult.CSN_STUDIES, ClosureResult.NO_SELF_SUPPORT],
    ClosureReason.OTHER: [],
}


class Closure(models.Model):
    """One closure (*avslut*) of a participation, kept when it is reopened.

    The participant row carries the current closure's date, reason and
    result for the reports; this is the history behind it.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="closures")
    closed_on = models.DateField(_("avslutsdatum"))
    reason = models.CharField(_("avslutsorsak"), max_length=10, choices=ClosureReason.choices)
    result = models.CharField(
        _("resultat"), max_length=24, choices=ClosureResult.choices, blank=True
    )
    other_reason = models.CharField(
        _("övrigt skäl"), max_length=20, choices=OtherClosureReason.choices, blank=True
    )
    note = models.TextField(_("kommentar"), blank=True)
    # The status at the closure, kept here too: the end snapshot goes when
    # the closure is reopened.
    employment_status = models.CharField(
        _("sysselsättning vid avslut"), max_length=16, choices=EmploymentStatus.choices
    )
    income_source = models.CharField(
        _("huvudsaklig försörjning vid avslut"), max_length=20, choices=IncomeSource.choices
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avslutat av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("registrerat"), default=timezone.now)
    flags = models.ManyToManyField(Flag, blank=True, related_name="+")
    # Organisations the closure could not be flagged to for want of consent.
    flags_missing = models.ManyToManyField(
        Organisation, verbose_name=_("ej flaggat till"), blank=True, related_name="+"
    )
    follow_up_task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(_("ångrat"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ångrat av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.TextField(_("skäl till att avslutet ångrades"), blank=True)

    if TYPE_CHECKING:
        # Set by the closure tab on the current closure: its follow-up or None.
        follow_up_record: "FollowUp | None"

    class Meta:
        db_table = "participants_closure"
        ordering = ["-closed_at", "-id"]
        verbose_name = _("avslut")
        verbose_name_plural = _("avslut")
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(reopened_at__isnull=True),
                name="one_current_closure_per_participant",
                violation_error_message=_("Deltagandet är redan avslutat."),
            ),
            models.CheckConstraint(
                condition=Q(reason="ovriga", result="") | ~Q(reason="ovriga") & ~Q(result=""),
                name="closure_result_fits_reason",
            ),
        ]

    def __str__(self):
        return f"Avslut {self.closed_on:%Y-%m-%d} ({self.get_reason_display()})"

    @property
    def is_current(self) -> bool:
        return self.reopened_at is None

    @property
    def leads_to_follow_up(self) -> bool:
        return self.reason in (ClosureReason.WORK, ClosureReason.STUDIES)


class FollowUp(models.Model):
    """The follow-up one month after a closure because of work or studies."""

    closure = models.OneToOneField(Closure, on_delete=models.CASCADE, related_name="follow_up")
    followed_up_on = models.DateField(_("uppföljningsdatum"))
    reached = models.BooleanField(_("nådde deltagaren"))
    self_supporting = models.BooleanField(_("har egen försörjning"), null=True, blank=True)
    working = models.BooleanField(_("arbetet eller studierna fungerar"), null=True, blank=True)
    extended_support = models.BooleanField(_("förlängt stöd ges"), default=False)
    extended_support_until = models.DateField(_("förlängt stöd till"), null=True, blank=True)
    note = models.TextField(_("kommentar"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("registrerad"), default=timezone.now)

    class Meta:
        db_table = "participants_followup"
        verbose_name = _("uppföljning")
        verbose_name_plural = _("uppföljningar")
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_support=False, extended_support_until__isnull=True)
                | Q(extended_support=True, extended_support_until__isnull=False),
                name="follow_up_extended_support_has_end",
            ),
        ]

    def __str__(self):
        return f"Uppföljning {self.followed_up_on:%Y-%m-%d}"


class LabourMarketTraining(models.Model):
    """A labour-market training (*arbetsmarknadsutbildning*) via the AF. Not
    a closure: the support from Rätt insats continues during it."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="labour_market_trainings"
    )
    starts_on = models.DateField(_("startdatum"))
    ends_on = models.DateField(_("slutdatum"), null=True, blank=True)
    note = models.TextField(_("kommentar"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("registrerad"), default=timezone.now)

    class Meta:
        db_table = "participants_labourmarkettraining"
        ordering = ["-starts_on", "-id"]
        verbose_name = _("arbetsmarknadsutbildning")
        verbose_name_plural = _("arbetsmarknadsutbildningar")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="training_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"Arbetsmarknadsutbildning från {self.starts_on:%Y-%m-%d}"


class SummaryDocument(models.Model):
    """A finalised version of the summary document (*sammanfattande
    dokumentation*). Never changed: a correction is a new version."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="summary_documents"
    )
    closure = models.ForeignKey(
        Closure, on_delete=models.PROTECT, null=True, blank=True, related_name="summaries"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("sammanfattning"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("slutförd av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("slutförd"), default=timezone.now)

    class Meta:
        db_table = "participants_summarydocument"
        ordering = ["-version"]
        verbose_name = _("sammanfattande dokumentation")
        verbose_name_plural = _("sammanfattande dokumentationer")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "version"], name="one_summary_per_version"
            ),
        ]

    def __str__(self):
        return f"Sammanfattande dokumentation version {self.version}"

    def save(self, *args, **kwargs):
        # A finalised version is a record: corrections make a new version.
        if self.pk is not None:
            raise RuntimeError("Summary documents are never changed.")
        super().save(*args, **kwargs)
