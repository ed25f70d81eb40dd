"""A referral (*anvisning*) from a counsellor, its way through the inbox and
the weekly meeting (*veckomöte*) to the information call."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from participants.models import Gender, Participant, PersonDisplayMixin, TargetGroup
from rattinsats.models import Organisation


@dataclass(frozen=True)
class TimelineStep:
    """One step of a referral's way as the counsellor who made it follows it."""

    key: str
    label: str
    on: datetime.date | None
    detail_label: str = ""
    detail: str = ""


class Referral(PersonDisplayMixin, models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Mottagen")
        RETURNED = "returned", _("Returnerad")
        READY = "ready", _("Klar för fördelning")
        ALLOCATED = "allocated", _("Fördelad")
        ACCEPTED = "accepted", _("Antagen")
        DECLINED = "declined", _("Tackade nej")

    # A person is referred once at a time: these are still on their way.
    OPEN_STATUSES = (Status.RECEIVED, Status.READY, Status.ALLOCATED)

    # Set by the form when it is first shown, so that a double click or a
    # resubmitted POST finds the referral it already created.
    submission_key = models.UUIDField(unique=True, editable=False)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anvisare"),
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referring_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("anvisande organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_on = models.DateField(_("anvisningsdatum"), default=timezone.localdate)

    # The person.
    personnummer = models.CharField(_("personnummer"), max_length=12, db_index=True)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    gender = models.CharField(_("kön"), max_length=8, choices=Gender.choices)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    preferred_language = models.CharField(_("önskat språk"), max_length=60, blank=True)
    interpreter_needed = models.BooleanField(_("behöver tolk"), default=False)

    # The eligibility answers (domain.md §3), as the counsellor gave them.
    needs_deeper_support = models.BooleanField(_("behöver fördjupat stöd"))
    other_af_intervention = models.BooleanField(_("anvisad till annan insats via AF"))
    registered_jobseeker = models.BooleanField(_("inskriven som arbetssökande"))
    social_assistance = models.BooleanField(_("försörjning genom ekonomiskt bistånd"))
    jobseeker_category_14 = models.BooleanField(_("sökandekategori 14"))
    sick_leave_ending = models.BooleanField(_("sjukskrivning upphör inom 1–2 veckor"))
    target_group = models.CharField(_("målgrupp"), max_length=4, choices=TargetGroup.choices)

    reason = models.TextField(_("anledning till anvisningen"))

    # The consent given at referral.
    consent_signed_on = models.DateField(_("samtycke undertecknat"))
    consent_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("samtycket omfattar"), related_name="+"
    )
    # Stored outside the web root, served only through a permission-checked view.
    consent_document = models.FileField(
        _("underskriven samtyckesblankett"), upload_to="referrals/consents/", blank=True
    )
    consent_document_type = models.CharField(max_length=40, blank=True, editable=False)
    # Whether the consent also covers presenting the person to employers;
    # carried into the participant's consent at the information call.
    consent_covers_employer_presentation = models.BooleanField(
        _("samtycket omfattar presentation för arbetsgivare"), default=False
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    created_at = models.DateTimeField(_("inkommen"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The employment officer's check for other interventions.
    checked_at = models.DateTimeField(_("kontrollerad"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kontrollerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    has_other_intervention = models.BooleanField(_("har annan insats"), null=True, blank=True)
    check_note = models.TextField(_("anteckning om kontrollen"), blank=True)
    returned_at = models.DateTimeField(_("returnerad"), null=True, blank=True)
    return_reason = models.TextField(_("skäl till returnering"), blank=True)

    # The weekly meeting's allocation.
    meeting = models.ForeignKey(
        "WeeklyMeeting",
        verbose_name=_("veckomöte"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvarig"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_allocated",
    )
    allocated_at = models.DateTimeField(_("fördelad"), null=True, blank=True)

    # The information call.
    call_at = models.DateTimeField(_("informationssamtal"), null=True, blank=True)
    call_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("informationssamtal av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    identity_verified = models.BooleanField(_("identiteten kontrollerad"), default=False)
    informed_about_reporting = models.BooleanField(
        _("informerad om aktivitetsrapportering"), default=False
    )
    decided_at = models.DateTimeField(_("besked"), null=True, blank=True)
    participant = models.OneToOneField(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("anvisning")
        verbose_name_plural = _("anvisningar")
        constraints = [
            models.UniqueConstraint(
                fields=["personnummer"],
                condition=Q(status__in=["received", "ready", "allocated"]),
                name="one_open_referral_per_person",
                violation_error_message=_("Personen har redan en pågående anvisning."),
            ),
            models.CheckConstraint(
                condition=Q(target_group__in=["FS", "AF14"]),
                name="referral_has_route",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Anvisning {self.pk}"

    @property
    def is_anonymised(self) -> bool:
        """Retention blanked the person's data (participants/retention.py)."""
        return not self.personnummer

    @property
    def person_named(self) -> str:
        """Name and personnummer, as the counsellor who entered them reads
        them in the app (never in an e-mail)."""
        if self.is_anonymised:
            return self.full_name
        return f"{self.full_name} ({self.personnummer_display})"

    @property
    def participation_closed(self) -> bool:
        """The participation this referral became has ended. Reads
        ``participant``: select it with the referral in lists."""
        participant = self.participant if self.participant_id is not None else None
        return participant is not None and participant.end_date is not None

    @property
    def counsellor_status(self) -> str:
        """The status as the referring counsellor sees it: the inbox's
        intermediate step is still "received" to them, and an accepted
        referral whose participation has ended is "closed"."""
        if self.status == self.Status.READY:
            return str(self.Status.RECEIVED.label)
        if self.status == self.Status.ACCEPTED and self.participation_closed:
            return str(Participant.Status.CLOSED.label)
        return self.get_status_display()

    def counsellor_timeline(self) -> list[TimelineStep]:
        """The referral's way with its dates, as the counsellor who made it
        may follow it: received, returned with the reason, allocated, the
        information call's answer, and of the participation only its start,
        its end and the category of the closure reason (domain.md §4 step 7:
        the closure is shared with the referring organisations). Never the
        case's content: no journal, goals, moves, interventions or flags, nor
        the closure's free text. Reads ``participant``: select it with the
        referral in lists."""
        steps = [TimelineStep("received", gettext("Mottagen"), _local_date(self.created_at))]
        if self.returned_at is not None:
            steps.append(
                TimelineStep(
                    "returned",
                    gettext("Returnerad"),
                    _local_date(self.returned_at),
                    gettext("Skäl"),
                    self.return_reason,
                )
            )
        if self.allocated_at is not None:
            steps.append(
                TimelineStep("allocated", gettext("Fördelad"), _local_date(self.allocated_at))
            )
        if self.decided_at is not None and self.status in (
            self.Status.ACCEPTED,
            self.Status.DECLINED,
        ):
            accepted = self.status == self.Status.ACCEPTED
            steps.append(
                TimelineStep(
                    "call_yes" if accepted else "call_no",
                    gettext("Informationssamtal"),
                    _local_date(self.decided_at),
                    "",
                    gettext("Ja") if accepted else gettext("Nej"),
                )
            )
        participant = self.participant if self.participant_id is not None else None
        if participant is not None:
            steps.append(
                TimelineStep("participant", gettext("Deltagare sedan"), participant.start_date)
            )
            if participant.end_date is not None:
                steps.append(
                    TimelineStep(
                        "closed",
                        gettext("Avslutad"),
                        participant.end_date,
                        gettext("Orsak"),
                        participant.get_closure_reason_display(),
                    )
                )
        return steps


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def week_monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class WeeklyMeeting(models.Model):
    """The team's meeting of one ISO week: allocation and notes."""

    week_start = models.DateField(_("veckans måndag"), unique=True)
    supervision_notes = models.TextField(_("kollegial handledning"), blank=True)
    employer_notes = models.TextField(_("arbetsgivare och jobbordrar"), blank=True)
    development_notes = models.TextField(_("utveckling av modellen"), blank=True)
    # Bumped on every save of the notes: a stale form is refused, not merged.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("veckomöte")
        verbose_name_plural = _("veckomöten")

    def __str__(self):
        return f"Veckomöte vecka {self.iso_week} {self.iso_year}"

    def clean(self):
        # One meeting per ISO week, keyed by its Monday.
        if self.week_start and self.week_start.weekday() != 0:
            raise ValidationError({"week_start": _("Veckomötet anges med veckans måndag.")})

    @property
    def iso_year(self) -> int:
        return self.week_start.isocalendar()[0]

    @property
    def iso_week(self) -> int:
        return self.week_start.isocalendar()[1]
