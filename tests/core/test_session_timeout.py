"""The warning before the idle timeout: the dialog on signed-in pages, its
script from static/js (no inline script under the CSP), and the endpoint
behind "Förbli inloggad"."""

import datetime
import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rattinsats.middleware import SESSION_RENEWED
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _dialog(html: str) -> str:
    match = re.search(r'<dialog id="session-timeout".*?</dialog>', html, re.S)
    assert match, "no idle-timeout dialog"
    return match.group(0)


def test_signed_in_pages_carry_the_warning_with_the_timeout(owner_client, settings):
    html = owner_client.get(reverse("casework:tasks")).text
    dialog = _dialog(html)
    assert 'role="alertdialog"' in dialog
    assert 'aria-labelledby="session-timeout-title"' in dialog
    # Renewed by this request: the whole timeout, less the second that may
    # have begun between the renewal and the page's drawing.
    idle = re.search(r'data-idle-seconds="(\d+)"', dialog)
    assert idle and settings.SESSION_COOKIE_AGE - 1 <= int(idle.group(1)) <= (
        settings.SESSION_COOKIE_AGE
    )
    assert 'data-warning-seconds="120"' in dialog
    assert "om ungefär 2 minuter" in dialog
    assert f'action="{reverse("session_keepalive")}"' in dialog
    assert 'name="csrfmiddlewaretoken"' in dialog
    assert re.search(r"<button[^>]*>Förbli inloggad</button>", dialog)
    assert re.search(r'<script src="[^"]*js/session_timeout\.js"[^>]*></script>', html)
    # The CSP allows no inline script: every script tag loads a file.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_timeout_follows_the_setting(owner_client, settings):
    settings.SESSION_COOKIE_AGE = 10 * 60
    settings.RATTINSATS_SESSION_WARNING_SECONDS = 60
    dialog = _dialog(owner_client.get(reverse("notifications")).text)
    assert 'data-idle-seconds="600"' in dialog and 'data-warning-seconds="60"' in dialog
    assert "om ungefär 1 minut." in dialog


def test_the_login_page_has_no_warning(client):
    html = client.get(reverse("login")).text
    assert "session-timeout" not in html


def test_staying_signed_in_renews_the_session(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = client.get(reverse("notifications")).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _dialog(page)).group(1)
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    response = client.post(reverse("session_keepalive"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 204
    renewed = Session.objects.get(session_key=session.session_key)
    assert renewed.expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_the_endpoint_needs_csrf_and_post(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("session_keepalive")).status_code == 403
    assert client_for(owner).get(reverse("session_keepalive")).status_code == 405


def test_without_a_session_it_says_so_rather_than_redirect(client):
    response = client.post(reverse("session_keepalive"))
    assert response.status_code == 401
    assert response.json() == {"signed_in": False}


def test_the_two_factor_page_may_keep_its_session_too(owner, settings):
    settings.RATTINSATS_REQUIRE_2FA = True
    TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    client = client_for(owner)  # password only, no code yet
    assert client.get(reverse("notifications")).url == reverse("two_factor_verify")
    assert "session-timeout" in client.get(reverse("two_factor_verify")).text
    assert client.post(reverse("session_keepalive")).status_code == 204


def _expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _renewed_ago(client, seconds: int) -> None:
    """Make the session's last renewal ``seconds`` old, and its expiry
    date what that renewal gave it."""
    session = client.session
    session[SESSION_RENEWED] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now()
        + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds)
    )


def test_a_request_renews_the_session_at_most_once_a_minute(owner):
    client = Client()
    client.force_login(owner)
    client.get(reverse("notifications"))
    first = _expiry(client)
    assert first > timezone.now() + datetime.timedelta(minutes=29)
    # Within the minute: no write, the expiry stays.
    _renewed_ago(client, 30)
    before = _expiry(client)
    client.get(reverse("notifications"))
    assert _expiry(client) == before
    # A minute or more since: renewed, 30 minutes from now again.
    _renewed_ago(client, 61)
    client.get(reverse("notifications"))
    assert _expiry(client) > timezone.now() + datetime.timedelta(minutes=29, seconds=50)


def test_the_warning_counts_from_the_last_renewal(owner):
    client = Client()
    client.force_login(owner)
    _renewed_ago(client, 40)
    dialog = _dialog(client.get(reverse("notifications")).text)
    idle = int(re.search(r'data-idle-seconds="(\d+)"', dialog).group(1))
    assert settings.SESSION_COOKIE_AGE - 42 <= idle <= settings.SESSION_COOKIE_AGE - 40


def test_a_job_page_polling_does_not_keep_the_session(owner):
    from rattinsats.models import FileJob

    job = FileJob.objects.create(user=owner, kind="test", title="Test")
    client = Client()
    client.force_login(owner)
    _renewed_ago(client, 600)
    before = _expiry(client)
    response = client.get(reverse("file_job_status", args=[job.pk]))
    assert response.status_code == 200
    assert _expiry(client) == before
    # The job's page itself, opened by the user, does.
    client.get(reverse("file_job", args=[job.pk]))
    assert _expiry(client) > before
