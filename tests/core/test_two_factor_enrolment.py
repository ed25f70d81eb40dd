"""The first authenticator app needs a one-time enrolment code from an
administrator: a password alone never shows a two-factor secret."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rattinsats import twofactor
from rattinsats.models import AuditEvent, TwoFactorEnrolment
from rattinsats.services import account_sync_role
from tests.conftest import client_for
from tests.core.test_two_factor import _code, _password_login
from tests.factories import UserFactory

TWO_FACTOR_PAGES = ["two_factor_enrol", "two_factor_setup", "two_factor_verify"]
ENROLMENT = "rattinsats.twofactorenrolment"


@pytest.fixture(autouse=True)
def _require_2fa(settings):
    settings.RATTINSATS_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    settings.RATTINSATS_2FA_ENROLMENT_HOURS = 24


def _pages(client) -> str:
    """Every two-factor page this session can reach, followed to the end."""
    return "".join(client.get(reverse(name), follow=True).text for name in TWO_FACTOR_PAGES)


def _assert_no_secret(text: str, device: TOTPDevice | None = None):
    assert "otpauth://" not in text
    assert "<svg" not in text
    assert "Nyckel:" not in text
    if device is not None:
        assert twofactor.secret_base32(device) not in text


def _verified_client(user):
    """A signed-in session that has passed the two-factor code."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _events(detail):
    return AuditEvent.objects.filter(detail__startswith=detail)


# --- A password alone -----------------------------------------------------------


def test_a_password_alone_never_shows_the_secret(client, owner):
    _password_login(client, "owner")
    assert client.get(reverse("casework:tasks")).url == reverse("two_factor_enrol")
    assert client.get(reverse("two_factor_setup")).url == reverse("two_factor_enrol")
    page = client.get(reverse("two_factor_enrol")).text
    assert "Be projektets administratör om en" in page
    _assert_no_secret(_pages(client))
    assert not TOTPDevice.objects.filter(user=owner).exists()


def test_a_device_left_half_set_up_is_never_shown_to_another_session(client, owner):
    """An unconfirmed device from an earlier session (or from before
    enrolment codes existed) is not shown to a password-only session."""
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=False)
    _password_login(client, "owner")
    _assert_no_secret(_pages(client), device)
    wrong = client.post(reverse("two_factor_setup"), {"code": _code(device)})
    assert wrong.url == reverse("two_factor_enrol")
    device.refresh_from_db()
    assert not device.confirmed


def test_without_an_enrolment_any_code_is_refused(client, owner):
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": "ABCD-EFGH-JKMN"})
    assert response.status_code == 200
    assert "Koden stämmer inte" in response.text
    _assert_no_secret(response.text)
    assert not TOTPDevice.objects.filter(user=owner).exists()


# --- A valid enrolment ----------------------------------------------------------


def test_a_valid_enrolment_shows_the_secret_once_in_that_session(client, owner, administrator):
    issued = twofactor.enrolment_issue(actor=administrator, user=owner)
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": issued.code.lower()})
    assert response.url == reverse("two_factor_setup")
    device = TOTPDevice.objects.get(user=owner)
    assert not device.confirmed
    page = client.get(reverse("two_factor_setup")).text
    assert twofactor.secret_base32(device) in page and "<svg" in page

    # Another browser with the password: neither the secret nor the code.
    other = type(client)()
    _password_login(other, "owner")
    _assert_no_secret(_pages(other), device)
    reused = other.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert "har redan använts" in reused.text
    _assert_no_secret(reused.text, device)

    # Confirmed: the secret is never shown again, in this session either.
    assert client.post(reverse("two_factor_setup"), {"code": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("casework:tasks")).status_code == 200
    client.post(reverse("logout"))
    _password_login(client, "owner")
    assert client.get(reverse("casework:tasks")).url == reverse("two_factor_verify")
    _assert_no_secret(_pages(client), device)


def test_the_code_is_stored_only_as_a_keyed_hash(owner, administrator):
    issued = twofactor.enrolment_issue(actor=administrator, user=owner)
    enrolment = TwoFactorEnrolment.objects.get()
    normalised = issued.code.replace("-", "")
    stored = [str(value) for value in TwoFactorEnrolment.objects.values_list().get()]
    assert not any(normalised in value or issued.code in value for value in stored)
    assert len(enrolment.code_hash) == 64
    assert enrolment.expires_at - enrolment.created_at == datetime.timedelta(hours=24)
    details = " ".join(AuditEvent.objects.values_list("detail", flat=True)).upper()
    assert normalised not in details.replace("-", "")


def test_the_lifetime_is_a_setting(owner, settings):
    settings.RATTINSATS_2FA_ENROLMENT_HOURS = 2
    enrolment = twofactor.enrolment_issue(actor=None, user=owner).enrolment
    assert enrolment.expires_at - enrolment.created_at == datetime.timedelta(hours=2)


# --- Refused codes ------------------------------------------------------------------


def test_an_expired_code_is_refused_and_audited(client, owner):
    issued = twofactor.enrolment_issue(actor=None, user=owner)
    TwoFactorEnrolment.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert response.status_code == 200
    assert "Koden har gått ut" in response.text
    _assert_no_secret(response.text)
    assert not TOTPDevice.objects.filter(user=owner).exists()
    event = _events("registreringskoden har gått ut").get()
    assert (event.user, event.action) == (owner, AuditEvent.Action.LOGIN_FAILED)
    assert event.object_id == str(issued.enrolment.pk)


def test_a_used_code_is_refused_and_audited(client, owner):
    issued = twofactor.enrolment_issue(actor=None, user=owner)
    _password_login(client, "owner")
    client.post(reverse("two_factor_enrol"), {"code": issued.code})
    client.post(reverse("logout"))
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert "har redan använts" in response.text
    assert _events("registreringskoden redan använd").filter(user=owner).count() == 1


def test_a_wrong_code_is_refused_and_audited(client, owner):
    twofactor.enrolment_issue(actor=None, user=owner)
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": "AAAA-AAAA-AAAA"})
    assert "Koden stämmer inte" in response.text
    _assert_no_secret(response.text)
    assert _events("fel registreringskod").filter(user=owner).count() == 1
    assert not TOTPDevice.objects.filter(user=owner).exists()


def test_a_newer_code_replaces_the_older_one(client, owner, administrator):
    first = twofactor.enrolment_issue(actor=administrator, user=owner)
    second = twofactor.enrolment_issue(actor=administrator, user=owner)
    revoked = _events("registreringskod återkallad").get()
    assert (revoked.user, revoked.action) == (administrator, AuditEvent.Action.CHANGE)
    assert revoked.object_id == str(first.enrolment.pk)
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": first.code})
    assert "ersatts eller återkallats" in response.text
    assert _events("registreringskoden återkallad").count() == 1
    # Wait out the throttle of that failure, then the newer code works.
    TwoFactorEnrolment.objects.update(failed_at=timezone.now() - datetime.timedelta(seconds=5))
    response = client.post(reverse("two_factor_enrol"), {"code": second.code})
    assert response.url == reverse("two_factor_setup")


def test_wrong_codes_are_throttled_like_wrong_app_codes(client, owner):
    issued = twofactor.enrolment_issue(actor=None, user=owner)
    _password_login(client, "owner")
    wrong = client.post(reverse("two_factor_enrol"), {"code": "AAAA-AAAA-AAAA"})
    assert "Koden stämmer inte" in wrong.text
    # Even the right code is refused while the wait after a failure runs.
    blocked = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert "För många felaktiga försök" in blocked.text
    _assert_no_secret(blocked.text)
    assert not TOTPDevice.objects.filter(user=owner).exists()
    # The wait doubles with each failure: 1 s after one, 2 s after two.
    TwoFactorEnrolment.objects.update(failed_at=timezone.now() - datetime.timedelta(seconds=1.5))
    client.post(reverse("two_factor_enrol"), {"code": "AAAA-AAAA-AAAA"})
    enrolment = TwoFactorEnrolment.objects.get()
    assert enrolment.failure_count == 2
    TwoFactorEnrolment.objects.update(failed_at=timezone.now() - datetime.timedelta(seconds=1.5))
    assert "För många felaktiga försök" in (
        client.post(reverse("two_factor_enrol"), {"code": issued.code}).text
    )
    TwoFactorEnrolment.objects.update(failed_at=timezone.now() - datetime.timedelta(seconds=2.5))
    accepted = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert accepted.url == reverse("two_factor_setup")
    assert _events("fel registreringskod").count() == 2


# --- Audit trail of a whole enrolment ------------------------------------------------


def test_issue_and_use_are_audited(client, owner, administrator):
    issued = twofactor.enrolment_issue(actor=administrator, user=owner)
    created = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type=ENROLMENT)
    assert created.user == administrator
    assert created.object_id == str(issued.enrolment.pk)
    assert created.detail == f"registreringskod utfärdad (användare {owner.pk})"
    _password_login(client, "owner")
    client.post(reverse("two_factor_enrol"), {"code": issued.code})
    used = _events("registreringskod använd").get()
    assert (used.user, used.action) == (owner, AuditEvent.Action.LOGIN)
    device = TOTPDevice.objects.get(user=owner)
    client.post(reverse("two_factor_setup"), {"code": _code(device)})
    assert _events("tvåfaktor aktiverad").filter(user=owner).count() == 1


# --- The administrators' page ----------------------------------------------------------


def test_an_administrator_issues_a_code_shown_once(owner, administrator):
    admin = _verified_client(administrator)
    page = admin.get(reverse("staff_two_factor")).text
    assert "owner" in page and "Ingen app kopplad" in page
    response = admin.post(reverse("staff_two_factor"), {"user": owner.pk, "action": "issue"})
    assert response.url == reverse("staff_two_factor")
    shown = admin.get(reverse("staff_two_factor")).text
    enrolment = TwoFactorEnrolment.objects.get(user=owner)
    code = shown.split('<code class="fs-4">')[1].split("</code>")[0]
    assert enrolment.code_hash == twofactor._code_hash(code)
    assert "Registreringskod giltig till" in shown
    again = admin.get(reverse("staff_two_factor")).text
    assert code not in again
    assert twofactor.ISSUED_SESSION_KEY not in admin.session
    # The staff member uses it.
    staff = client_for(owner)
    assert staff.post(reverse("two_factor_enrol"), {"code": code}).url == reverse(
        "two_factor_setup"
    )


def test_an_account_with_an_app_must_be_reset_before_a_new_code(owner, administrator):
    owner_client = _verified_client(owner)
    admin = _verified_client(administrator)
    refused = admin.post(reverse("staff_two_factor"), {"user": owner.pk, "action": "issue"})
    assert refused.status_code == 200
    assert "Återställ tvåfaktorinloggningen först" in refused.text
    assert not TwoFactorEnrolment.objects.exists()

    device = TOTPDevice.objects.get(user=owner)
    reset = admin.post(reverse("staff_two_factor"), {"user": owner.pk, "action": "reset"})
    assert reset.url == reverse("staff_two_factor")
    assert not TOTPDevice.objects.filter(user=owner).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_type="otp_device")
    assert (event.user, event.object_id) == (administrator, str(device.pk))
    # The staff member's verified session is verified no longer, and a new
    # app needs a new code.
    assert owner_client.get(reverse("casework:tasks")).url == reverse("two_factor_enrol")


def test_a_reset_revokes_a_pending_code(client, owner, administrator):
    issued = twofactor.enrolment_issue(actor=administrator, user=owner)
    twofactor.two_factor_reset(actor=administrator, user=owner)
    assert _events("registreringskod återkallad").filter(user=administrator).count() == 1
    _password_login(client, "owner")
    response = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert "ersatts eller återkallats" in response.text


def test_an_administrator_cannot_reset_themselves_on_the_page(administrator):
    admin = _verified_client(administrator)
    response = admin.post(
        reverse("staff_two_factor"), {"user": administrator.pk, "action": "reset"}
    )
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=administrator).exists()


def test_only_accounts_with_two_factor_roles_get_codes(counsellor, administrator):
    admin = _verified_client(administrator)
    assert "counsellor" not in admin.get(reverse("staff_two_factor")).text
    response = admin.post(reverse("staff_two_factor"), {"user": counsellor.pk, "action": "issue"})
    assert response.status_code == 200
    assert not TwoFactorEnrolment.objects.exists()


def test_staff_cannot_issue_codes(owner, teammate):
    staff = _verified_client(owner)
    response = staff.post(reverse("staff_two_factor"), {"user": teammate.pk, "action": "issue"})
    assert response.status_code == 404
    assert not TwoFactorEnrolment.objects.exists()
    with pytest.raises(PermissionDenied):
        twofactor.enrolment_issue(actor=owner, user=teammate)
    with pytest.raises(PermissionDenied):
        twofactor.two_factor_reset(actor=owner, user=teammate)


# --- The Django admin ---------------------------------------------------------------------


def test_the_django_admin_never_shows_nor_makes_a_secret_and_audits_a_delete(owner, administrator):
    account_sync_role(administrator)
    admin = _verified_client(administrator)
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    config = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/")
    assert config.status_code == 403
    response = admin.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_type="otp_device")
    assert (event.user, event.object_id) == (administrator, str(device.pk))


# --- The command for the first administrator -----------------------------------------------


def test_the_command_issues_a_code_for_the_first_administrator(client, db):
    first = UserFactory(username="forste", role="admin", is_staff=True, is_superuser=True)
    out = StringIO()
    call_command("two_factor_enrol", "forste", stdout=out)
    code = out.getvalue().split("Registreringskod för forste: ")[1].split()[0]
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type=ENROLMENT)
    assert event.user is None
    _password_login(client, "forste")
    assert client.post(reverse("two_factor_enrol"), {"code": code}).url == reverse(
        "two_factor_setup"
    )
    assert TOTPDevice.objects.filter(user=first, confirmed=False).count() == 1


def test_the_command_refuses_an_unknown_user_and_an_account_with_an_app(owner):
    with pytest.raises(CommandError):
        call_command("two_factor_enrol", "ingen-sadan", stdout=StringIO())
    TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    with pytest.raises(CommandError, match="Återställ"):
        call_command("two_factor_enrol", "owner", stdout=StringIO())
    out = StringIO()
    call_command("two_factor_enrol", "owner", "--reset", stdout=out)
    assert "Registreringskod för owner" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert TwoFactorEnrolment.objects.filter(user=owner).count() == 1
