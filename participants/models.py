"""The participant (one participation in the programme), consent and tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rattinsats.models import Organisation
from rattinsats.personnummer import format_canonical, mask_canonical


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


class PersonDisplayMixin:
    """How a record about a person shows the person: name, full and masked
    personnummer, or "Anonymiserad" once retention has removed them. The
    model has ``first_name``, ``last_name``, ``personnummer`` and
    ``is_anonymised``."""

    @property
    def full_name(self) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def personnummer_display(self) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return format_canonical(self.personnummer)

    @property
    def personnummer_masked(self) -> str:
        if self.is_anonymised:
            return str(ANONYMISED_LABEL)
        return mask_canonical(self.personnummer)


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
        ]

    def __str__(self):
        return self.full_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


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
    # The signed form, if uploaded; stored outside the web root.
    document = models.FileField(_("underskriven blankett"), upload_to="consents/", blank=True)

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
        OTHER = "other", _("Övrigt")

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
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
    TAB_FOR_KIND = {
        Kind.FLAG_START: "participants:participant_flags",
        Kind.BOOK_MAPPING: "mapping:mapping",
        Kind.RENEW_CONSENT: "participants:consents",
        Kind.RECORD_MOVE: "mapping:goals",
        Kind.FOLLOW_UP: "participants:closure",
    }

    @property
    def participant_url(self) -> str:
        if self.participant_id is None:
            return ""
        name = self.TAB_FOR_KIND.get(self.kind, "participants:detail")
        return reverse(name, args=[self.participant_id])


class Flag(models.Model):
    """A flag (*flaggning*) to one of the home organisations: something in
    the case that organisation needs to know and act on in its own system."""

    class Kind(models.TextChoices):
        START = "start", _("Start i Rätt insats")
        CLOSURE = "closure", _("Avslut")
        MANUAL = "manual", _("Övrigt")

    class Status(models.TextChoices):
        OPEN = "open", _("Att skicka")
        SENT = "sent", _("Skickad")
        DONE = "done", _("Hanterad")

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
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    done_at = models.DateTimeField(_("hanterad"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flaggning")
        verbose_name_plural = _("flaggningar")
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.organisation}"


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
        verbose_name = _("status vid start/avslut")
        verbose_name_plural = _("status vid start/avslut")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "moment"], name="one_status_snapshot_per_moment"
            )
        ]

    def __str__(self):
        return f"{self.get_moment_display()}: {self.get_employment_status_display()}"


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
        ordering = ["-happened_on", "-created_at", "-id"]
        verbose_name = _("journalanteckning")
        verbose_name_plural = _("journalanteckningar")
        indexes = [models.Index(fields=["participant", "happened_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.happened_on:%Y-%m-%d}"


# --- Closure and follow-up ---------------------------------------------------


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
RESULTS_FOR_REASON = {
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

    class Meta:
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
