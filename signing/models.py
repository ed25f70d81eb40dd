"""Digital consent: BankID signing orders, the evidence of a signature, the
participant's one-time links and the database-held rate limits of the
public signing page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Consent, ConsentText, Participant
from rattinsats.models import Organisation


class Purpose(models.TextChoices):
    CONSENT = "consent", _("Samtycke")
    RENEWAL = "renewal", _("Förnyat samtycke")
    WITHDRAWAL = "withdrawal", _("Återkallelse")


class SigningLink(models.Model):
    """A one-time link that lets the participant sign a consent (or its
    renewal, or a withdrawal) with BankID without an account.

    The link carries a random token only; the database keeps its SHA-256.
    The token is made by the sending job when it sends (so it exists only
    in that job's memory and in the message), and the link works until
    ``expires_at`` or its first completed signing, whichever comes first."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-post")
        SMS = "sms", _("SMS")

    class SendState(models.TextChoices):
        QUEUED = "queued", _("Köad")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Kunde inte skickas")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="signing_links"
    )
    purpose = models.CharField(_("syfte"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("skickas med"), max_length=5, choices=Channel.choices)
    # An address or number typed by staff for this sending only; blanked by
    # the sending job (empty: the participant's own, read when sending).
    recipient = models.CharField(max_length=254, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    send_state = models.CharField(
        _("utskick"), max_length=6, choices=SendState.choices, default=SendState.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skickad av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    expires_at = models.DateTimeField(_("giltig till"))
    used_at = models.DateTimeField(_("använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    # What is signed: a consent's organisations and period, or the consent withdrawn.
    text_version = models.ForeignKey(
        ConsentText, verbose_name=_("textversion"), on_delete=models.PROTECT, related_name="+"
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisationer"), related_name="+", blank=True
    )
    valid_until = models.DateField(_("giltigt till"), null=True, blank=True)
    covers_employer_presentation = models.BooleanField(default=False)
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("samtycke som återkallas"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signeringslänk")
        verbose_name_plural = _("signeringslänkar")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="signing_link_token_unique"
            ),
            models.CheckConstraint(
                condition=Q(purpose="withdrawal", consent__isnull=False)
                | (~Q(purpose="withdrawal") & Q(valid_until__isnull=False)),
                name="signing_link_has_what_is_signed",
            ),
        ]

    def __str__(self):
        return f"Signeringslänk {self.pk}"

    def usable_at(self, now) -> bool:
        return (
            bool(self.token_hash)
            and self.used_at is None
            and self.revoked_at is None
            and now < self.expires_at
        )


class SigningOrder(models.Model):
    """One BankID signing order, from start to its end. Held in the database
    (not in a process) so that any of the app servers behind the load
    balancer answers the page's polls; the QR secret never leaves the
    server and is cleared when the order ends."""

    class Method(models.TextChoices):
        QR = "qr", _("QR-kod")
        SAME_DEVICE = "device", _("BankID på samma enhet")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pågår")
        COMPLETE = "complete", _("Klar")
        FAILED = "failed", _("Misslyckades")
        CANCELLED = "cancelled", _("Avbruten")
        REFUSED = "refused", _("Nekad")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="signing_orders"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    method = models.CharField(max_length=6, choices=Method.choices)
    # The staff member who started it, or who sent the link it came through.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    link = models.ForeignKey(
        SigningLink, on_delete=models.CASCADE, null=True, blank=True, related_name="orders"
    )
    text_version = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    organisations = models.ManyToManyField(Organisation, related_name="+", blank=True)
    valid_until = models.DateField(null=True, blank=True)
    covers_employer_presentation = models.BooleanField(default=False)
    # The consent withdrawn (withdrawal), or the one the signing created.
    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The full text signed (its SHA-256 went to BankID as the signed but
    # not shown data) and the summary shown in the BankID app, as sent.
    signed_text = models.TextField()
    user_visible_data = models.TextField()

    order_ref = models.CharField(max_length=64, unique=True)
    auto_start_token = models.CharField(max_length=64, blank=True)
    qr_start_token = models.CharField(max_length=64, blank=True)
    qr_start_secret = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_collected_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    hint_code = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["participant", "status"])]

    def __str__(self):
        return f"BankID-order {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Signature(models.Model):
    """The evidence of a consent, or its withdrawal, signed with BankID:
    what BankID returned at completion, kept for the case file (the PDF
    receipt). Never changed after it is written."""

    class Kind(models.TextChoices):
        CONSENT = "consent", _("Samtycke")
        WITHDRAWAL = "withdrawal", _("Återkallelse")

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="signatures")
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("sätt"), max_length=8, default="bankid", editable=False)
    order = models.OneToOneField(SigningOrder, on_delete=models.PROTECT, related_name="signature")
    order_ref = models.CharField(_("order"), max_length=64)
    via_link = models.BooleanField(_("via deltagarens länk"), default=False)
    text_version = models.ForeignKey(
        ConsentText, verbose_name=_("textversion"), on_delete=models.PROTECT, related_name="+"
    )
    # The full text signed (version text, organisations, period), and what
    # the BankID app showed.
    signed_text = models.TextField(_("signerad text"))
    user_visible_data = models.TextField(_("text i BankID-appen"))
    personal_number = models.CharField(_("personnummer"), max_length=12)
    name = models.CharField(_("namn"), max_length=200)
    given_name = models.CharField(_("förnamn"), max_length=100)
    surname = models.CharField(_("efternamn"), max_length=100)
    signature = models.TextField(_("signatur (base64)"))
    ocsp_response = models.TextField(_("OCSP-svar (base64)"))
    bank_id_issue_date = models.CharField(_("BankID utfärdat"), max_length=20, blank=True)
    completed_at = models.DateTimeField(_("signerad"))

    class Meta:
        ordering = ["completed_at", "id"]
        verbose_name = _("BankID-signatur")
        verbose_name_plural = _("BankID-signaturer")

    def __str__(self):
        return f"BankID-signatur {self.pk}"


class RateLimitBucket(models.Model):
    """How many requests one key (an IP address or a link, as a keyed hash)
    made in one time window: the public signing page's rate limit, kept in
    the database so that every app server behind the load balancer counts
    the same requests."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_limit_bucket_unique")
        ]

    def __str__(self):
        return f"{self.key[:8]}… {self.window}: {self.count}"
