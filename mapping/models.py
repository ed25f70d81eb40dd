"""Stepwise moves per three-month period and their catalogue."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from participants.periods import PERIOD_COUNT


class MoveCategory(models.Model):
    """A category of stepwise move. Administrators can add categories; the
    built-in ones' codes are the results contract's keys."""

    code = models.SlugField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("benämning"), max_length=100, unique=True)
    counts_as_move = models.BooleanField(
        _("räknas som stegvis förflyttning"),
        default=True,
        help_text=_("Förberedande mot arbete registreras men räknas inte som förflyttning."),
    )
    order = models.PositiveSmallIntegerField(_("ordning"), default=100)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("kategori för stegvis förflyttning")
        verbose_name_plural = _("kategorier för stegvisa förflyttningar")

    def __str__(self):
        return self.name


class StepwiseMove(models.Model):
    """The stepwise move recorded for one three-month period of a participation.

    The period's first and last day are stored so that reports can select
    moves by date in SQL.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="moves")
    period = models.PositiveSmallIntegerField(
        _("period"), validators=[MinValueValidator(1), MaxValueValidator(PERIOD_COUNT)]
    )
    period_start = models.DateField(_("periodens början"))
    period_end = models.DateField(_("periodens slut"))
    category = models.ForeignKey(
        MoveCategory, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="moves"
    )
    note = models.TextField(_("kommentar"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    if TYPE_CHECKING:
        # Set by closure.services.moves_for for the closure tab: the period's name.
        label: str

    class Meta:
        ordering = ["participant", "period"]
        verbose_name = _("stegvis förflyttning")
        verbose_name_plural = _("stegvisa förflyttningar")
        constraints = [
            models.UniqueConstraint(fields=["participant", "period"], name="one_move_per_period"),
            models.CheckConstraint(
                condition=Q(period__gte=1) & Q(period__lte=PERIOD_COUNT),
                name="move_period_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["period_start", "period_end"]),
            # The results ask, per participant, for moves of given categories
            # in periods overlapping the report period: with the period's
            # ends in the index too, the answer comes from the index alone.
            models.Index(
                fields=["participant", "category", "period_end", "period_start"],
                name="move_participant_category_idx",
            ),
        ]

    def __str__(self):
        return f"{self.category} (period {self.period})"


class GoalDirection(models.TextChoices):
    WORK = "arbete", _("Arbete")
    STUDIES = "studier", _("Studier")


class SubGoalStatus(models.TextChoices):
    ONGOING = "pagaende", _("Pågående")
    REACHED = "uppnatt", _("Uppnått")
    CHANGED = "andrat", _("Ändrat")


class VersionedDocument(models.Model):
    """A document saved whole, with who saved it last and when. ``version``
    counts the saves: one based on an older version than the stored one is
    refused (``mapping.services._versioned_save``), so that two people never
    save over each other."""

    version = models.PositiveIntegerField(_("version"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ändrad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("senast ändrad"), null=True, blank=True)

    class Meta:
        abstract = True


class MappingDocument(VersionedDocument):
    """The mapping document (*kartläggningsdokument*), filled in over one or
    more mapping meetings. Every save is kept as a revision."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="mapping_document"
    )
    education_experience = models.TextField(_("utbildning och erfarenhet"), blank=True)
    licences = models.TextField(_("körkort och andra behörigheter"), blank=True)
    languages = models.TextField(_("språk"), blank=True)
    goal_direction = models.CharField(
        _("mål mot"), max_length=8, choices=GoalDirection.choices, blank=True
    )
    goal = models.TextField(_("mål"), blank=True)
    delmal_1 = models.TextField(_("delmål 1"), blank=True)
    delmal_2 = models.TextField(_("delmål 2"), blank=True)
    delmal_3 = models.TextField(_("delmål 3"), blank=True)
    participant_part = models.TextField(_("deltagarens del"), blank=True)
    staff_part = models.TextField(_("projektmedarbetarens del"), blank=True)
    employer_presentation = models.TextField(
        _("hur deltagaren vill bli presenterad för arbetsgivare"), blank=True
    )

    # The fields a revision keeps, in the order the page shows them.
    CONTENT_FIELDS = (
        "education_experience",
        "licences",
        "languages",
        "goal_direction",
        "goal",
        "delmal_1",
        "delmal_2",
        "delmal_3",
        "participant_part",
        "staff_part",
        "employer_presentation",
    )

    class Meta:
        verbose_name = _("kartläggningsdokument")
        verbose_name_plural = _("kartläggningsdokument")

    def __str__(self):
        return str(_("Kartläggning"))


class MappingDocumentRevision(models.Model):
    """One saved state of a mapping document: who saved what, and when."""

    document = models.ForeignKey(
        MappingDocument, on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("innehåll"))
    changed_fields = models.JSONField(_("ändrade fält"), default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("ändrad"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("version av kartläggningsdokument")
        verbose_name_plural = _("versioner av kartläggningsdokument")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="one_mapping_revision_per_version"
            )
        ]

    def __str__(self):
        return f"{self.document} v{self.version}"


class GoalDocument(VersionedDocument):
    """The participant's row of the goal document (*måldokument*): goal,
    sub-goals with status, employment subsidy, consent renewal date, the
    reason for continuing after month 12 and other notes. Revised
    continuously; every save is kept as a revision. ``version`` guards
    against two people saving over each other."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="goal_document"
    )
    goal = models.TextField(_("mål"), blank=True)
    delmal_1 = models.TextField(_("delmål 1"), blank=True)
    delmal_1_status = models.CharField(
        _("status delmål 1"), max_length=8, choices=SubGoalStatus.choices, blank=True
    )
    delmal_2 = models.TextField(_("delmål 2"), blank=True)
    delmal_2_status = models.CharField(
        _("status delmål 2"), max_length=8, choices=SubGoalStatus.choices, blank=True
    )
    delmal_3 = models.TextField(_("delmål 3"), blank=True)
    delmal_3_status = models.CharField(
        _("status delmål 3"), max_length=8, choices=SubGoalStatus.choices, blank=True
    )
    employment_subsidy = models.CharField(_("anställningsstöd"), max_length=200, blank=True)
    consent_renewal_on = models.DateField(_("samtycke förnyas"), null=True, blank=True)
    continuation_reason = models.TextField(_("motivering till fortsättning"), blank=True)
    other = models.TextField(_("övrigt"), blank=True)

    CONTENT_FIELDS = (
        "goal",
        "delmal_1",
        "delmal_1_status",
        "delmal_2",
        "delmal_2_status",
        "delmal_3",
        "delmal_3_status",
        "employment_subsidy",
        "consent_renewal_on",
        "continuation_reason",
        "other",
    )

    class Meta:
        verbose_name = _("måldokument")
        verbose_name_plural = _("måldokument")

    def __str__(self):
        return str(_("Måldokument"))


class GoalDocumentRevision(models.Model):
    """One change of a participant's goal document or of a stepwise move:
    the state after the change, who made it and when."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Måldokument")
        MOVE = "move", _("Stegvis förflyttning")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="goal_revisions"
    )
    kind = models.CharField(_("typ"), max_length=8, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    period = models.PositiveSmallIntegerField(_("period"), null=True, blank=True)
    data = models.JSONField(_("innehåll"))
    changed_fields = models.JSONField(_("ändrade fält"), default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("ändrad"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ändring i måldokument")
        verbose_name_plural = _("ändringar i måldokument")
        indexes = [models.Index(fields=["participant", "changed_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.changed_at:%Y-%m-%d %H:%M}"
