"""Stepwise moves per three-month period and their catalogue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from .periods import PERIOD_COUNT


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
        indexes = [models.Index(fields=["period_start", "period_end"])]

    def __str__(self):
        return f"{self.category} (period {self.period})"
