"""The day-to-day casework: interventions from the catalogue, the journal
and flags to the home organisations."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from rattinsats.models import Organisation


class Flag(models.Model):
    """A flag (*flaggning*) to one of the home organisations: something in
    the case that organisation needs to know and act on in its own system.

    Its states: *att skicka* → *skickad* (who, when and how: Viva, AIS or
    telephone) → optionally *kvitterad* (the organisation has acknowledged
    it: who recorded that, when). A flag not yet sent can instead be
    *återkallad* (withdrawn: who, when, why), as when the closure it told of
    is undone. The moves are the services' in :mod:`casework.services`."""

    class Kind(models.TextChoices):
        START = "start", _("Start i Rätt insats")
        CLOSURE = "closure", _("Avslut")
        CLOSURE_UNDONE = "undone", _("Avslut ångrat")
        MANUAL = "manual", _("Övrigt")

    class Status(models.TextChoices):
        # The stored values are those of the first version (open → sent →
        # done), so old rows stay valid; "done" is now shown as the
        # organisation's acknowledgement.
        OPEN = "open", _("Att skicka")
        SENT = "sent", _("Skickad")
        DONE = "done", _("Kvitterad")
        WITHDRAWN = "withdrawn", _("Återkallad")

    class SentVia(models.TextChoices):
        """How the flag reached the organisation."""

        VIVA = "viva", _("Viva")
        AIS = "ais", _("AIS")
        PHONE = "telefon", _("Telefon")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="flags")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("till organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    reason = models.TextField(_("anledning"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skickad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty for flags sent before the way was recorded.
    sent_via = models.CharField(_("skickad via"), max_length=8, choices=SentVia.choices, blank=True)
    # The acknowledgement (status "done").
    done_at = models.DateTimeField(_("kvitterad"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kvittens registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("återkallad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_reason = models.TextField(_("skäl till återkallelsen"), blank=True)

    if TYPE_CHECKING:
        # Set by the flag pages for their templates: the way the flag is
        # most likely sent, chosen first in its form.
        usual_way: str

    class Meta:
        db_table = "participants_flag"
        ordering = ["-created_at", "-id"]
        verbose_name = _("flaggning")
        verbose_name_plural = _("flaggningar")
        indexes = [models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="withdrawn", withdrawn_at__isnull=False)
                | ~Q(status="withdrawn") & Q(withdrawn_at__isnull=True),
                name="flag_withdrawn_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.organisation}"


class InterventionTrack(models.TextChoices):
    """The three tracks of individual support (domain.md §4 step 5)."""

    WORK = "arbete", _("Insats mot arbete")
    STUDIES = "studier", _("Insats mot studier")
    CAPACITY = "formaga", _("Klargöra arbets-/studieförmåga")


class InterventionActivity(models.Model):
    """The catalogue of activities within a track. Administrators can add
    activities; those in use are never deleted."""

    track = models.CharField(_("inriktning"), max_length=10, choices=InterventionTrack.choices)
    name = models.CharField(_("benämning"), max_length=150)
    order = models.PositiveSmallIntegerField(_("ordning"), default=100)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        db_table = "participants_interventionactivity"
        ordering = ["track", "order", "name"]
        verbose_name = _("insatsaktivitet")
        verbose_name_plural = _("insatsaktiviteter")
        constraints = [
            models.UniqueConstraint(fields=["track", "name"], name="one_activity_name_per_track")
        ]

    def __str__(self):
        return f"{self.get_track_display()}: {self.name}"


class Intervention(models.Model):
    """One intervention (*insats*) given to a participant."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="interventions"
    )
    activity = models.ForeignKey(
        InterventionActivity,
        verbose_name=_("aktivitet"),
        on_delete=models.PROTECT,
        related_name="interventions",
    )
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("slutdatum"), null=True, blank=True)
    notes = models.TextField(_("anteckningar"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("ändrad"), null=True, blank=True)
    # Optimistic version check: two staff members editing the same
    # intervention cannot overwrite each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "participants_intervention"
        ordering = ["-start_date", "-id"]
        verbose_name = _("insats")
        verbose_name_plural = _("insatser")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="intervention_end_not_before_start",
                violation_error_message=_("Slutdatum kan inte vara före startdatum."),
            ),
        ]
        indexes = [
            models.Index(fields=["start_date"]),
            models.Index(fields=["end_date"]),
        ]

    def __str__(self):
        return str(self.activity)


class JournalNote(models.Model):
    """A day note or journal note. Notes are never changed or deleted: a
    correction is a new note that points at the one it corrects."""

    class Kind(models.TextChoices):
        DAY = "dag", _("Daganteckning")
        JOURNAL = "journal", _("Journalanteckning")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="journal_notes"
    )
    kind = models.CharField(_("typ"), max_length=8, choices=Kind.choices)
    happened_on = models.DateField(_("datum"))
    text = models.TextField(_("anteckning"))
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("rättar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("skriven"), default=timezone.now)

    class Meta:
        db_table = "participants_journalnote"
        ordering = ["-happened_on", "-created_at", "-id"]
        verbose_name = _("journalanteckning")
        verbose_name_plural = _("journalanteckningar")
        indexes = [models.Index(fields=["participant", "happened_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.happened_on:%Y-%m-%d}"
