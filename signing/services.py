"""Every write of digital consent: starting, collecting and cancelling a
BankID signing, sending and revoking the participant's one-time link, and
recording what a completed signing proves.

Each service checks the actor's right (staff: the right to change the
case; the participant: a usable link), writes in one transaction and logs
one audit event. Nothing BankID returns (personnummer, name, signature,
OCSP response) is ever logged or put in an audit event's detail.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_tasks import task

from participants import services as participant_services
from participants.models import Consent, ConsentText, Participant
from participants.selectors import consent_text_current, participant_require_change
from rattinsats.audit import Action, audit_log
from rattinsats.models import Organisation, User

from . import bankid
from .models import Purpose, Signature, SigningLink, SigningOrder

logger = logging.getLogger(__name__)

# BankID asks relying parties to collect an order at most once a second.
COLLECT_INTERVAL = datetime.timedelta(seconds=1)
# An order not complete after this long is over, whatever BankID said last
# (BankID ends its orders after 30 s without a scan of the QR code and
# after about 3 minutes otherwise).
ORDER_LIFETIME = datetime.timedelta(minutes=3, seconds=30)

# Our own reasons for ending an order, beside BankID's hint and error codes.
MISMATCH = "personnummerMismatch"
CONSENT_GONE = "consentGone"
CONSENT_INVALID = "consentInvalid"
LINK_GONE = "linkGone"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_text() -> ConsentText:
    text = consent_text_current()
    if text is None:
        raise ValidationError(
            _("Ingen samtyckestext är publicerad. Be en administratör att lägga in en.")
        )
    return text


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "Y-m-d")


def _organisation_names(organisations) -> str:
    return ", ".join(sorted(str(o) for o in organisations))


def signed_text(
    *,
    purpose: str,
    text_version: ConsentText,
    organisations,
    valid_until: datetime.date | None,
    consent: Consent | None = None,
) -> str:
    """The full text the person signs: the version's wording and what this
    consent (or withdrawal) covers. Its SHA-256 goes to BankID as the
    signed but not shown data, and it is kept with the signature."""
    if purpose == Purpose.WITHDRAWAL and consent is not None:
        return "\n\n".join(
            [
                text_version.title,
                text_version.withdrawal_text,
                _("Samtycke som återkallas: undertecknat %(signed)s, giltigt till %(until)s.")
                % {"signed": _date(consent.signed_on), "until": _date(consent.valid_until)},
                _("Organisationer: %(names)s.")
                % {"names": _organisation_names(consent.organisations.all())},
                _("Textversion %(version)s.") % {"version": text_version.version},
            ]
        )
    if valid_until is None:
        raise ValueError("a consent needs its end date")
    return "\n\n".join(
        [
            text_version.title,
            text_version.body,
            _("Organisationer: %(names)s.") % {"names": _organisation_names(organisations)},
            _("Giltigt från och med %(start)s till och med %(until)s.")
            % {"start": _date(timezone.localdate()), "until": _date(valid_until)},
            _("Textversion %(version)s.") % {"version": text_version.version},
        ]
    )


def user_visible_text(
    *,
    purpose: str,
    text_version: ConsentText,
    organisations,
    valid_until: datetime.date | None,
    consent: Consent | None = None,
) -> str:
    """What the BankID app shows (simpleMarkdownV1): a summary naming the
    organisations, the period and the text version, never the personnummer."""
    if purpose == Purpose.WITHDRAWAL and consent is not None:
        lines = [
            "# " + _("Återkallelse av samtycke, Rätt insats"),
            _("Jag återkallar mitt samtycke till att uppgifter om mig delas mellan:"),
            _organisation_names(consent.organisations.all()),
            _("Samtycket gav jag %(signed)s.") % {"signed": _date(consent.signed_on)},
            _("Textversion %(version)s.") % {"version": text_version.version},
        ]
    else:
        if valid_until is None:
            raise ValueError("a consent needs its end date")
        heading = (
            _("Förnyat samtycke, Rätt insats")
            if purpose == Purpose.RENEWAL
            else _("Samtycke, Rätt insats")
        )
        lines = [
            "# " + heading,
            _("Jag samtycker till att uppgifter om mig delas mellan Rätt insats och:"),
            _organisation_names(organisations),
            _("Giltigt %(start)s till %(until)s.")
            % {"start": _date(timezone.localdate()), "until": _date(valid_until)},
            _("Jag kan när som helst återkalla samtycket."),
            _("Textversion %(version)s.") % {"version": text_version.version},
        ]
    return "\n\n".join(lines)


def _check_consent_terms(organisations, valid_until: datetime.date | None) -> None:
    errors = {}
    if not organisations:
        errors["organisations"] = _("Välj minst en organisation.")
    if valid_until is None:
        errors["valid_until"] = _("Ange hur länge samtycket gäller.")
    elif valid_until < timezone.localdate():
        errors["valid_until"] = _("Giltigt till kan inte vara före i dag.")
    if errors:
        raise ValidationError(errors)


def _check_withdrawable(participant: Participant, consent: Consent | None) -> Consent:
    if consent is None or consent.participant_id != participant.pk:
        raise ValidationError({"consent": _("Välj det samtycke som ska återkallas.")})
    if consent.withdrawn_at is not None:
        raise ValidationError({"consent": _("Samtycket är redan återkallat.")})
    if consent.valid_until < timezone.localdate():
        raise ValidationError({"consent": _("Samtycket har redan gått ut.")})
    return consent


def _bankid_start(*, end_user_ip: str, visible: str, full_text: str, personnummer: str):
    if not bankid.is_configured():
        raise ValidationError(_("BankID är inte konfigurerat i den här installationen."))
    try:
        return bankid.sign(
            end_user_ip=end_user_ip,
            user_visible_data=visible,
            user_non_visible_data=hashlib.sha256(full_text.encode()).digest(),
            personal_number=personnummer,
        )
    except bankid.BankIDError as exc:
        raise SigningStartFailed(exc.error_code) from None


class SigningStartFailed(Exception):
    """BankID refused to start the order (``error_code``, for its message)."""

    def __init__(self, error_code: str) -> None:
        super().__init__(error_code)
        self.error_code = error_code


def _cancel_pending(participant: Participant) -> None:
    """End the participant's orders still in progress: BankID takes one
    order per person at a time."""
    for order in SigningOrder.objects.filter(
        participant=participant, status=SigningOrder.Status.PENDING
    ):
        _order_end(order, SigningOrder.Status.CANCELLED)
        try:
            bankid.cancel(order.order_ref)
        except bankid.BankIDError:
            pass  # Already over at BankID; logged there by its code.


def signing_start(
    *,
    actor: User,
    participant: Participant,
    method: str,
    organisations,
    valid_until: datetime.date | None,
    covers_employer_presentation: bool = False,
    end_user_ip: str,
) -> SigningOrder:
    """Staff start a BankID signing of a new consent on their screen (QR code
    during a meeting, or BankID on this device). Only staff who may change
    the case. Raises ``ValidationError`` for bad terms and
    ``SigningStartFailed`` when BankID refuses."""
    participant_require_change(actor, participant)
    if method not in SigningOrder.Method.values:
        raise ValidationError({"method": _("Välj hur BankID ska startas.")})
    organisations = list(organisations)
    _check_consent_terms(organisations, valid_until)
    text = _require_text()
    purpose = Purpose.RENEWAL if _has_valid_consent(participant) else Purpose.CONSENT
    terms: dict[str, Any] = {
        "purpose": purpose,
        "text_version": text,
        "organisations": organisations,
        "valid_until": valid_until,
    }
    return _order_start(
        participant=participant,
        terms=terms,
        method=method,
        started_by=actor,
        covers_employer_presentation=covers_employer_presentation,
        end_user_ip=end_user_ip,
        audit_actor=actor,
        audit_detail="BankID-signering startad",
    )


def withdrawal_signing_start(
    *,
    actor: User,
    participant: Participant,
    consent: Consent | None,
    method: str,
    end_user_ip: str,
) -> SigningOrder:
    """Staff start a BankID signing of the participant's withdrawal of a
    consent on their screen (QR code during a meeting, or BankID on this
    device), under the text version in use. Only staff who may change the
    case. When the participant has signed, the consent is withdrawn as
    through their link, with staff as the ones who recorded it."""
    participant_require_change(actor, participant)
    if method not in SigningOrder.Method.values:
        raise ValidationError({"method": _("Välj hur BankID ska startas.")})
    consent = _check_withdrawable(participant, consent)
    terms: dict[str, Any] = {
        "purpose": Purpose.WITHDRAWAL,
        "text_version": _require_text(),
        "organisations": [],
        "valid_until": None,
        "consent": consent,
    }
    return _order_start(
        participant=participant,
        terms=terms,
        method=method,
        started_by=actor,
        end_user_ip=end_user_ip,
        audit_actor=actor,
        audit_detail="BankID-signering av återkallelse startad",
    )


def _order_start(
    *,
    participant: Participant,
    terms: dict[str, Any],
    method: str,
    started_by: User,
    end_user_ip: str,
    audit_actor: User | None,
    audit_detail: str,
    link: SigningLink | None = None,
    covers_employer_presentation: bool = False,
) -> SigningOrder:
    """Start the order at BankID for what ``terms`` say is signed (see
    :func:`signed_text`), ending the participant's orders in progress
    first, and keep it. The caller has checked who may start it."""
    full_text, visible = signed_text(**terms), user_visible_text(**terms)
    _cancel_pending(participant)
    started = _bankid_start(
        end_user_ip=end_user_ip,
        visible=visible,
        full_text=full_text,
        personnummer=participant.personnummer,
    )
    with transaction.atomic():
        order = SigningOrder.objects.create(
            participant=participant,
            purpose=terms["purpose"],
            method=method,
            started_by=started_by,
            link=link,
            text_version=terms["text_version"],
            valid_until=terms["valid_until"],
            covers_employer_presentation=covers_employer_presentation,
            consent=terms.get("consent"),
            signed_text=full_text,
            user_visible_data=visible,
            order_ref=started.order_ref,
            auto_start_token=started.auto_start_token,
            qr_start_token=started.qr_start_token,
            qr_start_secret=started.qr_start_secret,
        )
        order.organisations.set(terms["organisations"])
        audit_log(actor=audit_actor, action=Action.CREATE, obj=order, detail=audit_detail)
    return order


def _has_valid_consent(participant: Participant) -> bool:
    today = timezone.localdate()
    return participant.consents.filter(
        withdrawn_at__isnull=True, signed_on__lte=today, valid_until__gte=today
    ).exists()


def link_order_start(*, link: SigningLink, method: str, end_user_ip: str) -> SigningOrder:
    """The participant starts signing through their link (no account): a
    usable link is the permission. The order is the link's sender's."""
    now = timezone.now()
    if not link.usable_at(now):
        raise ValidationError(_("Länken har redan använts eller gått ut."))
    if method not in SigningOrder.Method.values:
        raise ValidationError({"method": _("Välj hur BankID ska startas.")})
    participant = link.participant
    if participant.is_anonymised:
        raise ValidationError(_("Länken har redan använts eller gått ut."))
    organisations = list(link.organisations.all())
    consent = None
    if link.purpose == Purpose.WITHDRAWAL:
        consent = _check_withdrawable(participant, link.consent)
    else:
        _check_consent_terms(organisations, link.valid_until)
    terms: dict[str, Any] = {
        "purpose": link.purpose,
        "text_version": link.text_version,
        "organisations": organisations,
        "valid_until": link.valid_until,
        "consent": consent,
    }
    return _order_start(
        participant=participant,
        terms=terms,
        method=method,
        started_by=link.created_by,
        link=link,
        covers_employer_presentation=link.covers_employer_presentation,
        end_user_ip=end_user_ip,
        audit_actor=None,
        audit_detail="BankID-signering startad via deltagarens länk",
    )


def _order_end(order: SigningOrder, status: str, *, hint_code: str = "", error_code: str = ""):
    """End an order: its QR secret and tokens are cleared."""
    SigningOrder.objects.filter(pk=order.pk, status=SigningOrder.Status.PENDING).update(
        status=status,
        hint_code=hint_code or order.hint_code,
        error_code=error_code,
        ended_at=timezone.now(),
        qr_start_secret="",
        qr_start_token="",
        auto_start_token="",
    )
    order.refresh_from_db()


def order_collect(order: SigningOrder) -> SigningOrder:
    """Ask BankID how a pending order goes, at most once a second whichever
    app server asks (a conditional update of ``last_collected_at`` lets one
    request through), and act on the answer: a pending hint is stored, a
    failure ends the order, a completion is recorded (:func:`_order_complete`).
    Anyone who may follow the order calls it: the staff member's page or the
    participant's, through their views' checks."""
    if not order.is_pending:
        return order
    now = timezone.now()
    if now - order.started_at > ORDER_LIFETIME:
        _order_end(order, SigningOrder.Status.FAILED, hint_code="expiredTransaction")
        return order
    claimed = (
        SigningOrder.objects.filter(pk=order.pk, status=SigningOrder.Status.PENDING)
        .filter(
            Q(last_collected_at__isnull=True) | Q(last_collected_at__lte=now - COLLECT_INTERVAL)
        )
        .update(last_collected_at=now)
    )
    if not claimed:
        order.refresh_from_db()
        return order
    try:
        collected = bankid.collect(order.order_ref)
    except bankid.BankIDError as exc:
        _order_end(order, SigningOrder.Status.FAILED, error_code=exc.error_code)
        _audit_end(order, "BankID-fel")
        return order
    if collected.status == "pending":
        SigningOrder.objects.filter(pk=order.pk, status=SigningOrder.Status.PENDING).update(
            hint_code=collected.hint_code
        )
        order.refresh_from_db()
        return order
    if collected.status == "failed" or collected.completion is None:
        _order_end(order, SigningOrder.Status.FAILED, hint_code=collected.hint_code)
        _audit_end(order, "BankID-signering misslyckades")
        return order
    return _order_complete(order, collected.completion)


def _audit_end(order: SigningOrder, detail: str) -> None:
    audit_log(actor=None, action=Action.CHANGE, obj=order, detail=detail)


@transaction.atomic
def _order_complete(order: SigningOrder, completion: bankid.Completion) -> SigningOrder:
    """Record a completed signing: refuse it (audited, never recorded) when
    BankID's personnummer is not the participant's; otherwise create the
    consent (or withdraw it) and keep the evidence."""
    locked = SigningOrder.objects.select_for_update().get(pk=order.pk)
    if not locked.is_pending:
        order.refresh_from_db()
        return order
    participant = Participant.objects.get(pk=locked.participant_id)
    link_pk = locked.link_id
    via_link = link_pk is not None
    if completion.personal_number != participant.personnummer:
        _order_end(locked, SigningOrder.Status.REFUSED, error_code=MISMATCH)
        audit_log(
            actor=None if via_link else locked.started_by,
            action=Action.DENIED,
            obj=locked,
            detail="BankID-signering nekad: personnumret är inte deltagarens",
        )
        order.refresh_from_db()
        return order
    if link_pk is not None:
        link = SigningLink.objects.select_for_update().get(pk=link_pk)
        if link.used_at is not None or link.revoked_at is not None:
            _order_end(locked, SigningOrder.Status.FAILED, error_code=LINK_GONE)
            order.refresh_from_db()
            return order
    organisations = list(locked.organisations.all())
    try:
        with transaction.atomic():
            if locked.purpose == Purpose.WITHDRAWAL:
                if locked.consent is None:
                    raise ValidationError(_("Inget samtycke att återkalla."))
                consent = participant_services.consent_withdraw_signed(
                    consent=locked.consent, recorded_by=None if via_link else locked.started_by
                )
                kind = Signature.Kind.WITHDRAWAL
            else:
                if locked.valid_until is None:
                    raise ValidationError(_("Ange hur länge samtycket gäller."))
                consent = participant_services.consent_record_signed(
                    recorded_by=locked.started_by,
                    participant=participant,
                    organisations=organisations,
                    valid_until=locked.valid_until,
                    text_version=locked.text_version,
                    covers_employer_presentation=locked.covers_employer_presentation,
                    by_participant=via_link,
                )
                kind = Signature.Kind.CONSENT
    except ValidationError:
        code = CONSENT_GONE if locked.purpose == Purpose.WITHDRAWAL else CONSENT_INVALID
        _order_end(locked, SigningOrder.Status.FAILED, error_code=code)
        order.refresh_from_db()
        return order
    Signature.objects.create(
        consent=consent,
        kind=kind,
        order=locked,
        order_ref=locked.order_ref,
        via_link=via_link,
        text_version=locked.text_version,
        signed_text=locked.signed_text,
        user_visible_data=locked.user_visible_data,
        personal_number=completion.personal_number,
        name=completion.name,
        given_name=completion.given_name,
        surname=completion.surname,
        signature=completion.signature,
        ocsp_response=completion.ocsp_response,
        bank_id_issue_date=completion.bank_id_issue_date[:20],
        completed_at=timezone.now(),
    )
    if link_pk is not None:
        SigningLink.objects.filter(pk=link_pk).update(used_at=timezone.now())
    _order_end(locked, SigningOrder.Status.COMPLETE)
    SigningOrder.objects.filter(pk=locked.pk).update(consent=consent)
    order.refresh_from_db()
    return order


def order_cancel(order: SigningOrder, *, actor: User | None) -> SigningOrder:
    """Cancel a pending order (staff on their page, or the participant on
    theirs); BankID then tells the app. Audited."""
    if not order.is_pending:
        return order
    _order_end(order, SigningOrder.Status.CANCELLED, hint_code="cancelled")
    try:
        bankid.cancel(order.order_ref)
    except bankid.BankIDError:
        pass  # Already over at BankID.
    audit_log(actor=actor, action=Action.CHANGE, obj=order, detail="BankID-signering avbruten")
    return order


# The participant's link ----------------------------------------------------


PHONE = re.compile(r"^\+?[0-9]{7,15}$")


def _normalised_phone(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value or "")


@dataclass(frozen=True)
class LinkTerms:
    purpose: str
    channel: str
    recipient: str = ""
    organisations: tuple[Organisation, ...] = ()
    valid_until: datetime.date | None = None
    covers_employer_presentation: bool = False
    consent: Consent | None = None


def sms_enabled() -> bool:
    return bool(settings.RATTINSATS_SMS_GATEWAY)


@transaction.atomic
def link_send(*, actor: User, participant: Participant, terms: LinkTerms) -> SigningLink:
    """Send the participant a one-time link to sign a consent, its renewal
    or a withdrawal with BankID, by e-mail or SMS (a background job queued
    after the commit, :func:`signing_link_send`). Only staff who may change
    the case. The address is the participant's own, read when the job
    runs, unless staff type one: that is kept on the link only until the
    job has sent it."""
    participant_require_change(actor, participant)
    text = _require_text()
    if terms.purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Ogiltigt syfte.")})
    consent = None
    if terms.purpose == Purpose.WITHDRAWAL:
        consent = _check_withdrawable(participant, terms.consent)
    else:
        _check_consent_terms(terms.organisations, terms.valid_until)
    recipient = terms.recipient.strip()
    if terms.channel == SigningLink.Channel.EMAIL:
        if recipient:
            try:
                validate_email(recipient)
            except ValidationError:
                raise ValidationError({"recipient": _("Ange en giltig e-postadress.")}) from None
        elif not participant.email:
            raise ValidationError(
                {"recipient": _("Deltagaren har ingen e-postadress: skriv in en.")}
            )
    elif terms.channel == SigningLink.Channel.SMS:
        if not sms_enabled():
            raise ValidationError({"channel": _("SMS är inte aktiverat i den här installationen.")})
        if recipient:
            recipient = _normalised_phone(recipient)
            if not PHONE.match(recipient):
                raise ValidationError({"recipient": _("Ange ett giltigt mobilnummer.")})
        elif not PHONE.match(_normalised_phone(participant.phone)):
            raise ValidationError(
                {"recipient": _("Deltagaren har inget mobilnummer: skriv in ett.")}
            )
    else:
        raise ValidationError({"channel": _("Välj e-post eller SMS.")})
    link = SigningLink.objects.create(
        participant=participant,
        purpose=terms.purpose,
        channel=terms.channel,
        recipient=recipient,
        created_by=actor,
        expires_at=timezone.now()
        + datetime.timedelta(hours=settings.RATTINSATS_SIGNING_LINK_HOURS),
        text_version=text,
        valid_until=None if consent else terms.valid_until,
        covers_employer_presentation=False if consent else terms.covers_employer_presentation,
        consent=consent,
    )
    if not consent:
        link.organisations.set(terms.organisations)
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=link,
        detail=f"signeringslänk ({terms.purpose}, {terms.channel})",
    )
    link_id = link.pk
    transaction.on_commit(lambda: _link_enqueue(link_id))
    return link


def _link_enqueue(link_id: int) -> None:
    try:
        signing_link_send.enqueue(link_id)
    except Exception as exc:
        logger.error("A signing link could not be queued (%s)", type(exc).__name__)
        SigningLink.objects.filter(pk=link_id).update(
            send_state=SigningLink.SendState.FAILED, recipient=""
        )


@transaction.atomic
def link_revoke(*, actor: User, link: SigningLink) -> SigningLink:
    """Staff stop a link before it is used."""
    participant_require_change(actor, link.participant)
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action=Action.CHANGE, obj=link, detail="signeringslänk stoppad")
    return link


def _link_message(link: SigningLink, url: str) -> tuple[str, str]:
    until = formats.date_format(timezone.localtime(link.expires_at), "Y-m-d H:i")
    if link.purpose == Purpose.WITHDRAWAL:
        subject = _("Återkalla ditt samtycke i Rätt insats")
        what = _("återkalla ditt samtycke")
    elif link.purpose == Purpose.RENEWAL:
        subject = _("Förnya ditt samtycke i Rätt insats")
        what = _("förnya ditt samtycke")
    else:
        subject = _("Signera ditt samtycke i Rätt insats")
        what = _("signera ditt samtycke")
    if link.channel == SigningLink.Channel.SMS:
        body = _("Rätt insats: här kan du %(what)s med BankID (gäller till %(until)s): %(url)s") % {
            "what": what,
            "until": until,
            "url": url,
        }
    else:
        body = _(
            "Hej!\n\nDin kontaktperson i Rätt insats har skickat dig den här länken så att du "
            "kan läsa texten och %(what)s med BankID:\n\n%(url)s\n\nLänken fungerar en gång "
            "och gäller till %(until)s. Om du inte väntade dig det här meddelandet kan du "
            "bortse från det eller kontakta Rätt insats.\n"
        ) % {"what": what, "until": until, "url": url}
    return subject, body


@task()
def signing_link_send(link_id: int) -> str:
    """The sending job: make the link's token (only its hash is stored),
    send it to the participant's address or number as the database has it
    now (or the one staff typed, which is then blanked), and record that it
    was sent. A failure is logged by its kind only, never the address."""
    now = timezone.now()
    with transaction.atomic():
        link = (
            SigningLink.objects.select_for_update()
            .select_related("participant")
            .filter(pk=link_id, send_state=SigningLink.SendState.QUEUED, revoked_at__isnull=True)
            .first()
        )
        if link is None:
            return "nothing to send"
        participant = link.participant
        if link.channel == SigningLink.Channel.SMS:
            number = link.recipient or _normalised_phone(participant.phone)
            gateway = settings.RATTINSATS_SMS_GATEWAY
            address = gateway.replace("{number}", number) if gateway and number else ""
        else:
            address = link.recipient or participant.email
        if not address or participant.is_anonymised:
            link.send_state = SigningLink.SendState.FAILED
            link.recipient = ""
            link.save(update_fields=["send_state", "recipient"])
            return "no address"
        token = secrets.token_urlsafe(32)
        link.token_hash = token_hash(token)
        link.sent_at = now
        link.expires_at = now + datetime.timedelta(hours=settings.RATTINSATS_SIGNING_LINK_HOURS)
        link.send_state = SigningLink.SendState.SENT
        link.recipient = ""
        link.save(update_fields=["token_hash", "sent_at", "expires_at", "send_state", "recipient"])
        url = f"{settings.SITE_URL.rstrip('/')}{reverse('signing:link')}?{urlencode({'l': token})}"
        subject, body = _link_message(link, url)
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
        except Exception as exc:
            kind = type(exc).__name__
            logger.error("A signing link could not be sent (%s)", kind)
            transaction.set_rollback(True)
            failed = True
        else:
            failed = False
    if failed:
        SigningLink.objects.filter(pk=link_id).update(
            send_state=SigningLink.SendState.FAILED, recipient="", token_hash=""
        )
        raise LinkNotSent(kind)
    return "sent"


class LinkNotSent(Exception):
    """The sending job's attempt failed; the message names the kind of error only."""


def link_for_token(token: str) -> SigningLink | None:
    """The link a token opens (used, expired or not), or None."""
    if not token or len(token) > 100:
        return None
    return (
        SigningLink.objects.select_related("participant", "text_version", "consent")
        .filter(token_hash=token_hash(token))
        .first()
    )


def receipt_audit(*, actor: User, consent: Consent) -> None:
    audit_log(actor=actor, action=Action.EXPORT, obj=consent, detail="samtyckeskvitto (PDF)")
