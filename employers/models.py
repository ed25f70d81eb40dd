"""Employer collaboration (*arbetsgivarsamverkan*): employers and their
contact people, the contact log (calls, visits, e-mails), job orders
(*jobborder*), the matching of participants against orders, and placements
(internship, work trial, employment).

Employers never sign in, and nothing about a participant reaches an
employer through the app: a presentation is recorded here, made by staff,
and needs a consent that covers it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Intervention
from mapping.models import StepwiseMove
from participants.models import Consent, Participant, Task


class SupportForm(models.TextChoices):
    """The form of support a job can come with (the closure results' names)."""

    NONE = "", _("Inget stöd")
    LONEBIDRAG = "lonebidrag", _("Lönebidrag")
    NYSTARTSJOBB = "nystartsjobb", _("Nystartsjobb")
    INTROJOBB = "introjobb", _("Introjobb")
    EXTRATJANST = "extratjanst", _("Extratjänst")


class Employer(models.Model):
    """An employer the project works with.

    The organisation number is stored as ``NNNNNN-NNNN``. A sole trader's
    number is the owner's personnummer: such employers are personal data
    (``is_sole_trader``), and their number is masked wherever it is not
    needed. A duplicate merged into another keeps its row, pointing at the
    employer it was merged into, so its history stays readable."""

    organisation_number = models.CharField(_("organisationsnummer"), max_length=11)
    is_sole_trader = models.BooleanField(_("enskild firma"), default=False, editable=False)
    name = models.CharField(_("namn"), max_length=200)
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=6, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    industry = models.CharField(_("bransch"), max_length=200, blank=True)
    sni_code = models.CharField(
        _("SNI-kod"), max_length=6, blank=True, help_text=_("Fem siffror, till exempel 47111.")
    )
    notes = models.TextField(_("anteckningar"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationsansvarig"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("sammanslagen med"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )
    merged_at = models.DateTimeField(_("sammanslagen"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    updated_at = models.DateTimeField(_("ändrad"), null=True, blank=True)
    # Optimistic version check, as on interventions.
    version = models.PositiveIntegerField(default=1)
    # Set by retention (*gallring*) on a sole trader without activity for
    # the retention period: the owner's name and personnummer are gone.
    anonymised_at = models.DateTimeField(_("anonymiserad"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("arbetsgivare")
        verbose_name_plural = _("arbetsgivare")
        indexes = [models.Index(fields=["name"])]
        constraints = [
            # One live (not merged) employer per organisation number.
            models.UniqueConstraint(
                fields=["organisation_number"],
                condition=Q(merged_into__isnull=True, anonymised_at__isnull=True),
                name="one_live_employer_per_orgnr",
                violation_error_message=_(
                    "Det finns redan en arbetsgivare med det organisationsnumret."
                ),
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True, merged_at__isnull=True)
                | Q(merged_into__isnull=False, merged_at__isnull=False),
                name="employer_merged_has_time",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def organisation_number_masked(self) -> str:
        """For lists: a sole trader's number shows only the date of birth."""
        if self.is_sole_trader and len(self.organisation_number) == 11:
            return f"{self.organisation_number[:6]}-****"
        return self.organisation_number or "–"


# The name a sole trader keeps once retention has removed the owner's data.
ANONYMISED_SOLE_TRADER_NAME = "Enskild firma (anonymiserad)"


class ContactPerson(models.Model):
    """A person at an employer the project talks to."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contact_people")
    name = models.CharField(_("namn"), max_length=200)
    role = models.CharField(_("roll"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("kontaktpersoner")

    def __str__(self):
        return self.name


class EmployerContact(models.Model):
    """One entry in the contact log (*kontakter och besök*). Its next step,
    when there is one, becomes a task for the staff member."""

    class Kind(models.TextChoices):
        CALL = "samtal", _("Samtal")
        VISIT = "besok", _("Besök")
        EMAIL = "epost", _("E-post")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("typ"), max_length=8, choices=Kind.choices)
    date = models.DateField(_("datum"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("projektmedarbetare"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_person = models.ForeignKey(
        ContactPerson,
        verbose_name=_("kontaktperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    outcome = models.TextField(_("utfall"), blank=True)
    next_step = models.CharField(_("nästa steg"), max_length=300, blank=True)
    next_step_due = models.DateField(_("nästa steg senast"), null=True, blank=True)
    task = models.OneToOneField(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="employer_contact"
    )
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("arbetsgivarkontakt")
        verbose_name_plural = _("arbetsgivarkontakter")
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


class JobOrder(models.Model):
    """A job order (*jobborder*) from an employer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Öppen")
        FILLED = "filled", _("Tillsatt")
        WITHDRAWN = "withdrawn", _("Återtagen")

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="job_orders")
    occupation = models.CharField(_("yrke"), max_length=200)
    ssyk_code = models.CharField(
        _("SSYK-kod"), max_length=4, blank=True, help_text=_("SSYK 2012, fyra siffror.")
    )
    positions = models.PositiveSmallIntegerField(_("antal platser"), default=1)
    requirements = models.TextField(_("krav"), blank=True)
    extent = models.CharField(_("omfattning"), max_length=100, blank=True)
    start_date = models.DateField(_("startdatum"), null=True, blank=True)
    support_form = models.CharField(
        _("möjligt stöd"), max_length=16, choices=SupportForm.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    apply_by = models.DateField(_("sista ansökningsdag"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    updated_at = models.DateTimeField(_("ändrad"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("jobborder")
        verbose_name_plural = _("jobborder")
        indexes = [models.Index(fields=["status", "apply_by"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(positions__gte=1), name="job_order_at_least_one_position"
            ),
        ]

    def __str__(self):
        return f"{self.occupation} – {self.employer}"


class Match(models.Model):
    """A participant proposed for, or presented to, a job order.

    The app proposes (with its reason); staff confirm the proposal; a
    presentation to the employer needs a consent that covers it (the consent
    is recorded here) and is audited; then the outcome."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Föreslagen")
        CONFIRMED = "confirmed", _("Bekräftad")
        PRESENTED = "presented", _("Presenterad")
        INTERVIEW = "interview", _("Intervju")
        HIRED = "hired", _("Anställd")
        NOT_CHOSEN = "not_chosen", _("Inte vald")
        DISMISSED = "dismissed", _("Avfärdad")

    job_order = models.ForeignKey(JobOrder, on_delete=models.CASCADE, related_name="matches")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="job_matches"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("skäl"), blank=True)
    proposed_at = models.DateTimeField(_("föreslagen"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("bekräftad"), null=True, blank=True)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    presented_at = models.DateTimeField(_("presenterad"), null=True, blank=True)
    # The consent that covered the presentation when it was made.
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(_("utfall registrerat"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("matchning")
        verbose_name_plural = _("matchningar")
        constraints = [
            models.UniqueConstraint(
                fields=["job_order", "participant"], name="one_match_per_order_and_participant"
            ),
            models.CheckConstraint(
                condition=Q(presented_at__isnull=True) | Q(consent__isnull=False),
                name="match_presented_with_consent",
            ),
        ]

    def __str__(self):
        return self.get_status_display()


class Placement(models.Model):
    """An internship, work trial or employment at an employer.

    Linked to the intervention it is part of (the catalogue), and, when it
    is a stepwise move (internship or work trial), to that period's move,
    so that the results count it once."""

    class Kind(models.TextChoices):
        INTERNSHIP = "praktik", _("Praktik")
        WORK_TRIAL = "arbetsprovning", _("Arbetsprövning")
        EMPLOYMENT = "anstallning", _("Anställning")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="placements"
    )
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="placements")
    job_order = models.ForeignKey(
        JobOrder,
        verbose_name=_("jobborder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    kind = models.CharField(_("typ"), max_length=16, choices=Kind.choices)
    support_form = models.CharField(
        _("stödform"), max_length=16, choices=SupportForm.choices, blank=True
    )
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("slutdatum"), null=True, blank=True)
    supervisor = models.ForeignKey(
        ContactPerson,
        verbose_name=_("handledare hos arbetsgivaren"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("insats"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    move = models.ForeignKey(
        StepwiseMove,
        verbose_name=_("stegvis förflyttning"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    notes = models.TextField(_("anteckningar"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("placering")
        verbose_name_plural = _("placeringar")
        indexes = [models.Index(fields=["start_date"]), models.Index(fields=["end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_end_not_before_start",
                violation_error_message=_("Slutdatum kan inte vara före startdatum."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.employer}"


class PlacementFollowUp(models.Model):
    """A follow-up meeting during a placement."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField(_("datum"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("anteckningar"), blank=True)
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("uppföljningsmöte")
        verbose_name_plural = _("uppföljningsmöten")

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"
