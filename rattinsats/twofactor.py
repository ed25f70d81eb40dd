"""Two-factor login (TOTP, django-otp) for the project team and administrators.

With ``RATTINSATS_REQUIRE_2FA`` on, a staff member or administrator who has
logged in with a password reaches nothing but the two-factor pages until a
code from their authenticator app has been verified in this session. Wrong
codes are throttled (each failure doubles the wait), and django-otp refuses
a code that has already been used.

The first app is never connected on a password alone: an administrator
issues a one-time enrolment code (:func:`enrolment_issue`, from the page
``staff_two_factor`` or ``manage.py two_factor_enrol``), valid for
``RATTINSATS_2FA_ENROLMENT_HOURS`` and stored only as a keyed hash. The
staff member types it after the password (:func:`enrolment_redeem`); only
then, and only in that browser session, is a new secret made and shown as a
QR code. Resetting an account (:func:`two_factor_reset`) deletes its devices
and revokes its pending code, so a new app needs a new code. Every step is
written to the audit trail; wrong enrolment codes are throttled like wrong
app codes.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Action, audit_log
from .models import Role, TwoFactorEnrolment, User

TWO_FACTOR_ROLES = frozenset({Role.STAFF, Role.EMPLOYMENT_OFFICER, Role.ADMIN})
# The page a password-only session asked for, opened after the code.
NEXT_SESSION_KEY = "rattinsats_two_factor_next"
# The unconfirmed device this session may show and confirm: set when the
# session used an enrolment code, removed when the device is confirmed.
ENROLMENT_SESSION_KEY = "rattinsats_two_factor_enrolment"
# An administrator's freshly issued code, shown once on the next page.
ISSUED_SESSION_KEY = "rattinsats_two_factor_issued"
DEVICE_NAME = "Autentiseringsapp"
# Enrolment codes: 12 characters from 31 that are hard to confuse (no 0/O,
# 1/I/L), about 59 bits, shown in groups of four.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def has_two_factor_role(user: User) -> bool:
    """Whether the account's role needs two-factor login (when it is on)."""
    return user.is_superuser or user.role in TWO_FACTOR_ROLES


def requires_two_factor(user) -> bool:
    if not settings.RATTINSATS_REQUIRE_2FA or not user.is_authenticated:
        return False
    return has_two_factor_role(user)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(request) -> TOTPDevice | None:
    """The unconfirmed device this session set up with an enrolment code:
    the only device whose secret may be shown. None in any other session."""
    pk = request.session.get(ENROLMENT_SESSION_KEY)
    if not isinstance(pk, int) or not request.user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()


def first_step(request) -> str:
    """The URL name of the two-factor page a password-only session goes to."""
    if confirmed_device(request.user) is not None:
        return "two_factor_verify"
    return "two_factor_setup" if enrolment_device(request) else "two_factor_enrol"


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    issuer = "Rätt insats"
    label = quote(f"{issuer}:{device.user.username}")
    return (
        f"otpauth://totp/{label}?secret={secret_base32(device)}"
        f"&issuer={quote(issuer)}&digits={device.digits}&period={device.step}"
    )


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code (no inline styles)."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR-kod för autentiseringsappen")
    )


def verify(request, device: TOTPDevice, token: str, *, confirming: bool = False) -> bool:
    """Check a code; on success mark the session as verified.

    The device's own checks refuse a throttled attempt and a code at or
    before the last one used.
    """
    token = (token or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = token.isdigit() and device.verify_token(token)
        if ok and confirming:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
            request.session.pop(ENROLMENT_SESSION_KEY, None)
        audit_log(
            actor=request.user,
            action=Action.LOGIN if ok else Action.LOGIN_FAILED,
            object_type="otp_device",
            object_id=device.pk,
            detail="tvåfaktor aktiverad" if ok and confirming else "tvåfaktorkod",
        )
    if ok:
        otp_login(request, device)
    return ok


def next_url_pop(request) -> str:
    """Where to go after the code: the page asked for before, or the start."""
    url = request.session.pop(NEXT_SESSION_KEY, "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("start")


def seconds_until_allowed(device: TOTPDevice) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)


class TwoFactorMiddleware:
    """Keeps a password-only session on the two-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and requires_two_factor(user) and not user.is_verified():
            allowed = {
                reverse("two_factor_verify"),
                reverse("two_factor_enrol"),
                reverse("two_factor_setup"),
                reverse("logout"),
                reverse("favicon"),
                reverse("session_keepalive"),
            }
            if request.path not in allowed:
                # The page asked for (such as a form with its draft after a
                # timeout) is opened once the code is verified.
                if request.method == "GET":
                    request.session[NEXT_SESSION_KEY] = request.get_full_path()
                return redirect(first_step(request))
        return self.get_response(request)


# --- Enrolment: the first app only with a code from an administrator --------


@dataclass(frozen=True)
class IssuedEnrolment:
    enrolment: TwoFactorEnrolment
    # The code in clear: shown once to whoever issued it, never written to
    # the database (the issuing administrator's session holds it until the
    # next page shows it).
    code: str


@dataclass(frozen=True)
class EnrolmentResult:
    device: TOTPDevice | None = None
    # Why a code was refused: "wrong", "expired", "used", "revoked" or
    # "throttled" (then ``wait`` seconds before the next try).
    refused: str = ""
    wait: int = 0


def _code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _code_normalised(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch != "-" and not ch.isspace())


def _code_hash(code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the database alone cannot test codes.
    return salted_hmac(
        "rattinsats.twofactor.enrolment", _code_normalised(code), algorithm="sha256"
    ).hexdigest()


def enrolment_lifetime() -> timedelta:
    return timedelta(hours=settings.RATTINSATS_2FA_ENROLMENT_HOURS)


def enrolment_pending(user: User) -> TwoFactorEnrolment | None:
    return (
        TwoFactorEnrolment.objects.filter(
            user=user, used_at=None, revoked_at=None, expires_at__gt=timezone.now()
        )
        .order_by("-created_at", "-id")
        .first()
    )


def two_factor_accounts() -> QuerySet[User]:
    """The active accounts whose role needs two-factor login, each with
    ``has_device`` and ``enrolment_expires`` (of a pending code, or None)."""
    pending = TwoFactorEnrolment.objects.filter(
        user=OuterRef("pk"), used_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-id")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role__in=TWO_FACTOR_ROLES))
        .annotate(
            has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            enrolment_expires=Subquery(pending.values("expires_at")[:1]),
        )
        .order_by("username")
    )


def _require_administrator(actor: User | None) -> None:
    """``actor`` None is a command run on the server."""
    if actor is not None and not (actor.is_authenticated and actor.is_administrator):
        raise PermissionDenied


def _enrolments_revoke(actor: User | None, user: User, now) -> None:
    for enrolment in TwoFactorEnrolment.objects.select_for_update().filter(
        user=user, used_at=None, revoked_at=None, expires_at__gt=now
    ):
        enrolment.revoked_at = now
        enrolment.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor,
            action=Action.CHANGE,
            obj=enrolment,
            detail=f"registreringskod återkallad (användare {user.pk})",
        )


@transaction.atomic
def enrolment_issue(*, actor: User | None, user: User) -> IssuedEnrolment:
    """A new one-time enrolment code for ``user``; an older pending one is
    revoked. Refused for an account that already has an app: reset it first."""
    _require_administrator(actor)
    if not user.is_active or not has_two_factor_role(user):
        raise ValidationError(_("Kontot använder inte tvåfaktorinloggning."))
    if confirmed_device(user) is not None:
        raise ValidationError(
            _("Kontot har redan en autentiseringsapp. Återställ tvåfaktorinloggningen först.")
        )
    now = timezone.now()
    _enrolments_revoke(actor, user, now)
    code = _code_new()
    enrolment = TwoFactorEnrolment.objects.create(
        user=user,
        code_hash=_code_hash(code),
        issued_by=actor,
        created_at=now,
        expires_at=now + enrolment_lifetime(),
    )
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=enrolment,
        detail=f"registreringskod utfärdad (användare {user.pk})",
    )
    return IssuedEnrolment(enrolment=enrolment, code=code)


def _enrolment_wait(enrolment: TwoFactorEnrolment, now) -> int:
    """Seconds before the next try: 0, or factor · 2^(n−1) after n failures."""
    factor = settings.OTP_TOTP_THROTTLE_FACTOR
    if factor <= 0 or not enrolment.failure_count or enrolment.failed_at is None:
        return 0
    required = min(factor * 2 ** (enrolment.failure_count - 1), MAX_THROTTLE_DELAY_SECONDS)
    left = required - (now - enrolment.failed_at).total_seconds()
    return max(1, int(left) + 1) if left > 0 else 0


REFUSAL_DETAILS = {
    "wrong": "fel registreringskod",
    "expired": "registreringskoden har gått ut",
    "used": "registreringskoden redan använd",
    "revoked": "registreringskoden återkallad",
}


def enrolment_redeem(request, code: str) -> EnrolmentResult:
    """The signed-in user's enrolment code. If it is their pending one, it is
    used up, a new unconfirmed device is made, and this session (only) may
    show its secret. Otherwise the attempt is refused and audited, and
    counts towards the wait before the next one."""
    user = request.user
    hashed = _code_hash(code)
    now = timezone.now()
    with transaction.atomic():
        enrolments = list(
            TwoFactorEnrolment.objects.select_for_update()
            .filter(user=user)
            .order_by("-created_at", "-id")
        )
        pending = next((e for e in enrolments if e.is_pending(now)), None)
        if pending is not None and (wait := _enrolment_wait(pending, now)):
            return EnrolmentResult(refused="throttled", wait=wait)
        match = next((e for e in enrolments if constant_time_compare(e.code_hash, hashed)), None)
        if match is not None and match is pending:
            match.used_at = now
            match.failure_count, match.failed_at = 0, None
            match.save(update_fields=["used_at", "failure_count", "failed_at"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
            audit_log(actor=user, action=Action.LOGIN, obj=match, detail="registreringskod använd")
            request.session[ENROLMENT_SESSION_KEY] = device.pk
            return EnrolmentResult(device=device)
        if match is None:
            refused = "wrong"
        elif match.used_at is not None:
            refused = "used"
        elif match.revoked_at is not None:
            refused = "revoked"
        else:
            refused = "expired"
        if pending is not None:
            pending.failure_count += 1
            pending.failed_at = now
            pending.save(update_fields=["failure_count", "failed_at"])
        audit_log(
            actor=user,
            action=Action.LOGIN_FAILED,
            object_type=TwoFactorEnrolment._meta.label_lower,
            object_id=match.pk if match is not None else "",
            detail=REFUSAL_DETAILS[refused],
        )
    return EnrolmentResult(refused=refused)


def device_revoke(*, actor: User, device: TOTPDevice) -> None:
    """Delete one authenticator app (the admin's delete goes through here)."""
    _require_administrator(actor)
    with transaction.atomic():
        _device_delete(actor, device)


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> int:
    """A lost app: delete the account's devices and revoke its pending code.
    The next login needs a new enrolment code. The number of devices deleted."""
    _require_administrator(actor)
    devices = list(TOTPDevice.objects.select_for_update().filter(user=user))
    for device in devices:
        _device_delete(actor, device)
    _enrolments_revoke(actor, user, timezone.now())
    return len(devices)


def _device_delete(actor: User | None, device: TOTPDevice) -> None:
    audit_log(
        actor=actor,
        action=Action.DELETE,
        object_type="otp_device",
        object_id=device.pk,
        detail=f"tvåfaktor återställd (användare {device.user_id})",
    )
    device.delete()
