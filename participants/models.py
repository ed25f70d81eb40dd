"""The participant (one participation in the programme), consent and tasks."""

from typing import Protocol

from django.conf import settings
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rattinsats.models import Organisation
from rattinsats.personnummer import format_canonical, mask_canonical

from .task_targets import task_target


class Gender(models.TextChoices):
    WOMAN = "kvinna", _("Kvinna")
    MAN = "man", _("Man")
    OTHER = "annat", _("Annat")


class TargetGroup(models.TextChoices):
    """The route into the programme (domain.md §3)."""

    FS = "FS", _("FS – försörjningsstöd")
    AF14 = "AF14", _("AF14 – sökandekategori 14 med sjukskrivning som upphör")


class ClosureReason(models.TextChoices):
    WORK = "arbete", _("Arbete")
    STUDIES = "studier", _("Studier")
    OTHER = "ovriga", _("Övriga skäl")


class ClosureResult(models.TextChoices):
    """Self-support categories (domain.md §7); the machine names are the
    results contract's keys."""

    JOB_WITHOUT_SUPPORT = "job_without_support", _("Jobb utan stöd")
    EXTRATJANST = "extratjanst", _("Extratjänst")
    LONEBIDRAG = "lonebidrag", _("Lönebidrag")
    NYSTARTSJOBB = "nystartsjobb", _("Nystartsjobb")
    INTROJOBB = "introjobb", _("Introjobb")
    CSN_STUDIES = "csn_studies", _("Studier med CSN")
    NO_SELF_SUPPORT = "no_self_support", _("Arbete/studier utan egen försörjning")


SELF_SUPPORT_RESULTS = [
    ClosureResult.CSN_STUDIES,
    ClosureResult.JOB_WITHOUT_SUPPORT,
    ClosureResult.EXTRATJANST,
    ClosureResult.LONEBIDRAG,
    ClosureResult.NYSTARTSJOBB,
    ClosureResult.INTROJOBB,
]


ANONYMISED_LABEL = _("Anonymiserad")


class _Person(Protocol):
    """What :class:`PersonDisplayMixin` needs of the model it is mixed into."""

    first_name: str
    last_name: str
    personnummer: str

    @property
    def is_anonymised(self) -> bool: ...


class PersonDisplayMixin:
    """How a record about a person shows the person: name, full and masked
    personnummer, or "Anonymiserad" once retention has removed them. The
    model has ``first_name``, ``last_name``, ``personnummer`` and
    ``is_anonymised``."""

    @property
    def full_name(self: _Person) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def personnummer_display(self: _Person) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return format_canonical(self.personnummer)

    @property
    def personnummer_masked(self: _Person) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return mask_canonical(self.personnummer)


class MonthStart(Func):
    """The first day of a date's month, computed in SQL: on SQLite from
    the ISO text it keeps dates as (Django's TruncMonth would call Python
    per row there), on PostgreSQL with ``date_trunc`` on a timestamp
    without time zone (Django's TruncMonth goes through the time zone, and
    ``to_char`` took twice as long over 40,000 rows). The results count
    participations by their start and end months from an index of the two
    (:class:`Participant`'s ``participant_months``), in the index's order:
    on SQLite 75 → 20 ms at 40,000 participants, without sorting them."""

    output_field = models.DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 8) || '01'")

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="date_trunc('month', %(expressions)s::timestamp)::date",
        )


class Participant(PersonDisplayMixin, models.Model):
    """One participation of one person. A person may take part again later,
    but never has two active participations at once."""

    class Status(models.TextChoices):
        ACTIVE = "aktiv", _("Aktiv")
        CLOSED = "avslutad", _("Avslutad")

    personnummer = models.CharField(_("personnummer"), max_length=12, db_index=True)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    gender = models.CharField(_("kön"), max_length=8, choices=Gender.choices)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    preferred_language = models.CharField(_("önskat språk"), max_length=60, blank=True)
    interpreter_needed = models.BooleanField(_("behöver tolk"), default=False)

    target_group = models.CharField(
        _("målgrupp"), max_length=4, choices=TargetGroup.choices, blank=True
    )
    sus_consent = models.BooleanField(_("samtycke till registrering i SUS"), default=False)
    referring_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("anvisande organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvarig"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_for",
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("slutdatum"), null=True, blank=True)
    # The current closure, kept on the row so that reports aggregate without
    # joins; the closure history is kept by the closure records.
    closure_reason = models.CharField(
        _("avslutsorsak"), max_length=10, choices=ClosureReason.choices, blank=True
    )
    closure_result = models.CharField(
        _("resultat"), max_length=24, choices=ClosureResult.choices, blank=True
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by retention (*gallring*): the personal data is gone, the records
    # needed for statistics are kept.
    anonymised_at = models.DateTimeField(_("anonymiserad"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("deltagare")
        verbose_name_plural = _("deltagare")
        constraints = [
            models.UniqueConstraint(
                fields=["personnummer"],
                condition=Q(status="aktiv"),
                name="one_active_participation_per_person",
                violation_error_message=_("Personen har redan ett pågående deltagande."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="participant_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(status="aktiv", end_date__isnull=True)
                | Q(status="avslutad", end_date__isnull=False),
                name="participant_closed_has_end_date",
            ),
        ]
        indexes = [
            models.Index(fields=["start_date", "end_date"]),
            models.Index(fields=["responsible", "status"]),
            # The default order (the goal-document overview's pages): read in
            # index order instead of sorting every visible participant.
            models.Index(fields=["last_name", "first_name", "id"], name="participant_name_order"),
            # Delmål 4 (participations active per month) groups them by
            # start and end month: read in this index's order, not sorted.
            models.Index(
                MonthStart("start_date"),
                MonthStart("end_date"),
                models.F("start_date"),
                name="participant_months",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


class ConsentText(models.Model):
    """One version of the consent's wording: what is shared, between which
    organisations, for how long and how to withdraw. A version once saved
    is never edited: a change is saved as the next version
    (``services.consent_text_publish``), and every consent records the
    version it was given under. The newest version is the one in use."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Vad som delas, mellan vilka organisationer, hur länge och hur samtycket "
            "återkallas. Organisationerna och giltighetstiden för varje samtycke visas "
            "under texten."
        ),
    )
    withdrawal_text = models.TextField(
        _("text vid återkallelse"),
        help_text=_("Det deltagaren skriver under när hen återkallar samtycket digitalt."),
    )
    published_at = models.DateTimeField(_("publicerad"), default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publicerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("samtyckestext")
        verbose_name_plural = _("samtyckestexter")

    def __str__(self):
        return f"{self.title} (version {self.version})"


class ConsentMethod(models.TextChoices):
    """How a consent was given, or withdrawn."""

    BANKID = "bankid", _("BankID")
    PAPER = "paper", _("Pappersblankett")
    STAFF = "staff", _("Registrerat av personal")


class Consent(models.Model):
    """A consent that lifts secrecy between the organisations it covers."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisationer som omfattas"), related_name="+"
    )
    signed_on = models.DateField(_("undertecknat"))
    valid_until = models.DateField(_("giltigt till"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerat av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("registrerat"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("återkallat"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("återkallat av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Whether the participant also agreed to be presented to employers
    # (the project tells an employer about them, with their consent).
    covers_employer_presentation = models.BooleanField(
        _("omfattar presentation för arbetsgivare"), default=False
    )
    # The signed form, if uploaded; stored outside the web root.
    document = models.FileField(_("underskriven blankett"), upload_to="consents/", blank=True)
    # How it was given: signed with BankID (the evidence is in the signing
    # app), on a paper form, or recorded by staff without a form.
    method = models.CharField(
        _("sätt"), max_length=8, choices=ConsentMethod.choices, default=ConsentMethod.STAFF
    )
    # The wording it was given under (null only for a consent recorded
    # before any version existed).
    text_version = models.ForeignKey(
        ConsentText,
        verbose_name=_("textversion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    # How it was withdrawn: by the participant with BankID, or recorded by staff.
    withdrawal_method = models.CharField(
        _("sätt för återkallelse"), max_length=8, choices=ConsentMethod.choices, blank=True
    )

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("signed_on")),
                name="consent_valid_after_signed",
            ),
        ]

    def __str__(self):
        return f"Samtycke {self.signed_on:%Y-%m-%d}–{self.valid_until:%Y-%m-%d}"

    def is_valid_on(self, day) -> bool:
        return self.withdrawn_at is None and self.signed_on <= day <= self.valid_until


class Task(models.Model):
    """Something a staff member has to do ("Att göra")."""

    class Kind(models.TextChoices):
        FLAG_START = "flag_start", _("Flagga start till Ekonomiskt bistånd")
        BOOK_MAPPING = "book_mapping", _("Boka kartläggningsmöte")
        RENEW_CONSENT = "renew_consent", _("Förnya samtycke")
        RECORD_MOVE = "record_move", _("Registrera stegvis förflyttning")
        FOLLOW_UP = "follow_up", _("Uppföljning efter avslut")
        EMPLOYER_NEXT_STEP = "employer_next_step", _("Nästa steg med arbetsgivare")
        OTHER = "other", _("Övrigt")

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    # What to do, for tasks that are not about a participant (an employer's
    # next step). Never personal data about a participant.
    description = models.CharField(_("beskrivning"), max_length=300, blank=True)
    due_on = models.DateField(_("senast"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(_("klar"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_on", "created_at", "id"]
        verbose_name = _("uppgift")
        verbose_name_plural = _("uppgifter")
        indexes = [models.Index(fields=["assignee", "done_at"])]

    def __str__(self):
        return self.get_kind_display()

    # The tab of the participant's page where the task is done.
    TAB_FOR_KIND: dict[str, str] = {
        Kind.FLAG_START: "casework:participant_flags",
        Kind.BOOK_MAPPING: "mapping:mapping",
        Kind.RENEW_CONSENT: "participants:consents",
        Kind.RECORD_MOVE: "mapping:goals",
        Kind.FOLLOW_UP: "closure:tab",
    }

    @property
    def participant_url(self) -> str:
        if self.participant_id is None:
            return ""
        name = self.TAB_FOR_KIND.get(self.kind, "participants:detail")
        return reverse(name, args=[self.participant_id])

    @property
    def target_url(self) -> str:
        """Where the task is done: the participant's tab, or the page an
        app registered for the kind (``participants.task_targets``)."""
        if self.participant_id is not None:
            return self.participant_url
        target = task_target(self.kind)
        return target.url(self) if target else ""

    @property
    def target_label(self) -> str:
        """The link's text: the participant's name, or the registered label."""
        if self.participant_id is not None:
            return self.participant.full_name if self.participant else ""
        target = task_target(self.kind)
        return target.label(self) if target else ""
