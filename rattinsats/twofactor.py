"""Two-factor login (TOTP, django-otp) for the project team and administrators.

With ``RATTINSATS_REQUIRE_2FA`` on, a staff member or administrator who has
logged in with a password reaches nothing but the two-factor pages until a
code from their authenticator app has been verified in this session. A
first login sets the app up. Wrong codes are throttled (each failure doubles
the wait), and django-otp refuses a code that has already been used.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Action, audit_log
from .models import Role, User

TWO_FACTOR_ROLES = frozenset({Role.STAFF, Role.EMPLOYMENT_OFFICER, Role.ADMIN})
# The page a password-only session asked for, opened after the code.
NEXT_SESSION_KEY = "rattinsats_two_factor_next"
DEVICE_NAME = "Autentiseringsapp"


def requires_two_factor(user) -> bool:
    if not settings.RATTINSATS_REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or user.role in TWO_FACTOR_ROLES


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def setup_device(user: User) -> TOTPDevice:
    """The unconfirmed device a user is setting up (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


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
    from django.utils import timezone

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
                target = "two_factor_verify" if confirmed_device(user) else "two_factor_setup"
                return redirect(target)
        return self.get_response(request)
