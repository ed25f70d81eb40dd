import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rattinsats import twofactor
from rattinsats.models import AuditEvent


@pytest.fixture(autouse=True)
def _require_2fa(settings):
    settings.RATTINSATS_REQUIRE_2FA = True


def _code(device, offset_steps=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def _password_login(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "Testlösenord-123"})
    assert response.status_code == 302
    return response


def _enrol(client, user):
    """An administrator's enrolment code, used in this client's session."""
    issued = twofactor.enrolment_issue(actor=None, user=user)
    response = client.post(reverse("two_factor_enrol"), {"code": issued.code})
    assert response.url == reverse("two_factor_setup")


def test_it_sends_staff_without_an_app_to_the_enrolment_page(client, owner):
    _password_login(client, "owner")
    response = client.get(reverse("participants:list"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor_enrol")
    # With an enrolment code used, the setup page shows the QR code.
    _enrol(client, owner)
    assert client.get(reverse("participants:list")).url == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page and "Aktivera tvåfaktorinloggning" in page


def test_it_activates_the_app_with_a_correct_code(client, owner):
    _password_login(client, "owner")
    _enrol(client, owner)
    device = TOTPDevice.objects.get(user=owner)
    response = client.post(reverse("two_factor_setup"), {"code": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("participants:list")).status_code == 200


def test_it_asks_for_a_code_at_the_next_login_and_refuses_a_replay(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    _password_login(client, "owner")
    assert client.get("/").url == reverse("two_factor_verify")
    code = _code(device)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    assert client.get(reverse("participants:list")).status_code == 200

    client.post(reverse("logout"))
    _password_login(client, "owner")
    replay = client.post(reverse("two_factor_verify"), {"code": code})
    assert replay.status_code == 200
    assert "har redan använts" in replay.content.decode()
    assert client.get(reverse("participants:list")).status_code == 302


def test_it_throttles_wrong_codes(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    _password_login(client, "owner")
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    first = client.post(reverse("two_factor_verify"), {"code": wrong})
    assert "stämmer inte" in first.content.decode()
    # Even the right code is refused while the wait after a failure runs.
    second = client.post(reverse("two_factor_verify"), {"code": _code(device)})
    assert "För många felaktiga försök" in second.content.decode()
    assert client.get(reverse("participants:list")).status_code == 302
    assert AuditEvent.objects.filter(action="login_failed", detail="tvåfaktorkod").count() == 1


def test_it_does_not_ask_counsellors_or_the_steering_group(client, counsellor, steering):
    for user in (counsellor, steering):
        client.force_login(user)
        assert client.get(reverse("notifications")).status_code == 200


def test_it_requires_two_factor_of_administrators(client, administrator):
    _password_login(client, "administrator")
    assert client.get("/admin/").url == reverse("two_factor_enrol")


def test_it_can_be_switched_off(client, owner, settings):
    settings.RATTINSATS_REQUIRE_2FA = False
    _password_login(client, "owner")
    assert client.get(reverse("participants:list")).status_code == 200
