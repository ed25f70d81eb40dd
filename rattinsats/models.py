"""The cross-cutting core: organisations, accounts with roles, the audit trail
and per-user notifications."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """One of the home organisations taking part in the programme."""

    class Kind(models.TextChoices):
        JOBBCENTRUM = "jobbcentrum", _("JobbCentrum")
        EKONOMISKT_BISTAND = "ekonomiskt_bistand", _("Ekonomiskt bistånd")
        ARBETSFORMEDLINGEN = "arbetsformedlingen", _("Arbetsförmedlingen")

    name = models.CharField(_("namn"), max_length=200, unique=True)
    kind = models.CharField(_("typ"), max_length=32, choices=Kind.choices, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("Projektmedarbetare")
    EMPLOYMENT_OFFICER = "employment_officer", _("Projektets arbetsförmedlare")
    COUNSELLOR = "counsellor", _("Anvisande vägledare/arbetsförmedlare")
    STEERING = "steering", _("Styrgrupp")
    ADMIN = "admin", _("Administratör")


# Roles that work with participants (the project team).
CASEWORK_ROLES = frozenset({Role.STAFF, Role.EMPLOYMENT_OFFICER})


def user_name(first_name: str, last_name: str, username: str) -> str:
    """A user's name as ``str(user)`` gives it (the full name as Django's
    ``get_full_name`` makes it, else the username), from the values alone:
    for lists of staff read as values rather than users."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("roll"), max_length=32, choices=Role.choices, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("kapacitet (%)"),
        default=100,
        help_text=_("Andel av heltid i projektet; styr fördelningen av nya deltagare."),
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    def __str__(self):
        return user_name(self.first_name, self.last_name, self.username)

    @property
    def is_casework(self) -> bool:
        return self.is_active and self.role in CASEWORK_ROLES

    @property
    def is_employment_officer(self) -> bool:
        return self.is_active and self.role == Role.EMPLOYMENT_OFFICER

    @property
    def is_counsellor(self) -> bool:
        return self.is_active and self.role == Role.COUNSELLOR

    @property
    def is_steering(self) -> bool:
        return self.is_active and self.role == Role.STEERING

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)


class AuditEvent(models.Model):
    """One row per read or write of a person's record, login and denied access.

    Append-only: rows are never changed or deleted through the app or the
    admin. Holds no personal data about participants: only ids.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Visning")
        CREATE = "create", _("Skapande")
        CHANGE = "change", _("Ändring")
        DELETE = "delete", _("Borttagning")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        LOGIN = "login", _("Inloggning")
        LOGOUT = "logout", _("Utloggning")
        LOGIN_FAILED = "login_failed", _("Misslyckad inloggning")
        DENIED = "denied", _("Nekad åtkomst")

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("användare"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("händelse"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("objekttyp"), max_length=64, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=64, blank=True)
    # The participant the event concerns, kept apart so that the access-log
    # review can filter on it whatever the object type.
    participant_id = models.BigIntegerField(_("deltagar-id"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)
    detail = models.CharField(_("detalj"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("logghändelse")
        verbose_name_plural = _("logghändelser")
        indexes = [
            models.Index(fields=["participant_id", "at"]),
            models.Index(fields=["user", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")


class Notification(models.Model):
    """Something that happened, for one user. Never holds personal data in
    its text: it names the event and links to the page that shows it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    message = models.CharField(_("meddelande"), max_length=200)
    url = models.CharField(_("länk"), max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("avisering")
        verbose_name_plural = _("aviseringar")

    def __str__(self):
        return self.message


class FormDraft(models.Model):
    """A form posted after its session had ended, kept for an hour so that
    the user who signs in again gets their input back (``rattinsats.drafts``).

    Found only by the hash of a random token that travels in the login
    redirect; claimable only from the browser session that posted it, by the
    user who was signed in there, and deleted when used. Never shown in the
    admin.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=255)
    # The posted fields, name to list of values (no files, no CSRF token).
    data = models.JSONField()
    # A keyed hash of the id of the user who was signed in in this browser
    # (empty when unknown); only that user may claim the draft.
    owner_hint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("formulärutkast")
        verbose_name_plural = _("formulärutkast")

    def __str__(self):
        return f"{self.path} ({self.created_at:%Y-%m-%d %H:%M})"


class TwoFactorEnrolment(models.Model):
    """A one-time code an administrator gives a staff member so that they can
    connect an authenticator app (``rattinsats.twofactor``): without one, a
    password alone never shows a two-factor secret.

    Only a keyed hash of the code is stored. It is valid until ``expires_at``,
    is used once, and is revoked when a newer one is issued or the account's
    two-factor login is reset. Wrong codes while it is pending are throttled
    like wrong app codes: each one doubles the wait before the next try.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("användare"),
        on_delete=models.CASCADE,
        related_name="two_factor_enrolments",
    )
    code_hash = models.CharField(max_length=64, unique=True)
    # None when issued by a command on the server (the first administrator).
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("utfärdad av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("utfärdad"), default=timezone.now)
    expires_at = models.DateTimeField(_("giltig till"))
    used_at = models.DateTimeField(_("använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tvåfaktorregistrering")
        verbose_name_plural = _("tvåfaktorregistreringar")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"{self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_pending(self, now=None) -> bool:
        """Neither used, revoked nor expired."""
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


class FileJob(models.Model):
    """A slow piece of work asked for on a page and done by a background
    worker (``rattinsats.file_jobs``): an export that ends in a file to
    download, or an import that ends in a summary. Only the user who asked
    for it sees it. Its file lives on the private storage (``STORAGES``:
    every app server reads it) until ``expires_at``; the nightly pruning
    removes it, and the row after ``RATTINSATS_JOB_RESULT_DAYS``.

    Holds ids, dates and filters (``params``), never personal data; the
    import summary's problems quote at most 60 characters of a cell, as the
    import page does, and go with the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kö")
        RUNNING = "running", _("Pågår")
        DONE = "done", _("Klart")
        FAILED = "failed", _("Misslyckades")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="file_jobs"
    )
    # What it is (``app.kind``) and its title on the page (a Swedish msgid,
    # translated when shown).
    kind = models.CharField(_("slag"), max_length=64)
    title = models.CharField(_("rubrik"), max_length=100)
    # The roles that may run it and download its file, checked again when
    # the job runs and at each download.
    roles = models.JSONField(default=list)
    params = models.JSONField(_("parametrar"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    # Progress: the stage (a Swedish msgid) and rows done of total (None
    # while not known).
    stage = models.CharField(_("steg"), max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # The uploaded file an import reads (removed once read), and the result.
    upload = models.FileField(max_length=200, blank=True)
    file = models.FileField(max_length=200, blank=True)
    filename = models.CharField(_("filnamn"), max_length=100, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # What a download writes to the audit trail (ids and dates only).
    audit_object_type = models.CharField(max_length=100, blank=True)
    audit_object_id = models.CharField(max_length=100, blank=True)
    audit_detail = models.CharField(max_length=200, blank=True)
    # An import's outcome: counts and the problems by row and column.
    summary = models.JSONField(default=dict, blank=True)
    # Why it failed, in Swedish for the user (a msgid), never the error.
    error = models.CharField(max_length=200, blank=True)
    # Where the page links back to (a path without personal data).
    back_url = models.CharField(max_length=200, blank=True)
    task_result_id = models.CharField(_("jobb-id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    expires_at = models.DateTimeField(_("tas bort"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bakgrundsjobb med fil")
        verbose_name_plural = _("bakgrundsjobb med fil")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
