"""A form posted after the session ended is kept as a draft and comes back,
after the login, to the user who wrote it (rattinsats.drafts)."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import JournalNote
from mapping.models import GoalDocument, MappingDocument
from rattinsats.drafts import DRAFT_LIFETIME, DRAFT_PARAM, MAX_DRAFT_CHARS
from rattinsats.models import FormDraft
from referrals.models import Referral
from tests.core.test_two_factor import _code
from tests.factories import referral_counsellor
from tests.referrals.test_referral_views import form_data as referral_data

pytestmark = pytest.mark.django_db

PASSWORD = "Testlösenord-123"
REVIEW = "Dina ändringar är inte sparade ännu – granska och spara."
NOTE = "Samtal om praktikplats hos Verkstadsbolaget, uppföljning nästa vecka."


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _signed_in(username: str) -> Client:
    """A browser-like client that checks CSRF tokens, signed in with a password."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    response = client.post(
        reverse("login"),
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text)},
    )
    assert response.status_code == 302
    return client


def _end_sessions() -> None:
    """The session ends on the server (timed out, or logged out elsewhere)."""
    Session.objects.all().delete()


def _post_after_timeout(client: Client, url: str, data: dict) -> str:
    """Open the form, let the session end, send it: the login redirect's
    ``next`` (the form page with the draft's token)."""
    token = _csrf(client.get(url).text)
    _end_sessions()
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    location = urlsplit(response.url)
    assert location.path == reverse("login")
    next_url = parse_qs(location.query)["next"][0]
    assert urlsplit(next_url).path == url
    assert set(parse_qs(urlsplit(next_url).query)) == {DRAFT_PARAM}
    return next_url


def _log_in_again(client: Client, username: str, next_url: str) -> None:
    login = client.get(f"{reverse('login')}?next={next_url}")
    assert "Logga in igen" in login.text  # says why, and that the input is kept
    response = client.post(
        reverse("login"),
        {
            "username": username,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": _csrf(login.text),
        },
    )
    assert response.status_code == 302
    assert response.url == next_url


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)).strip() if match else ""


# --- The four forms ------------------------------------------------------------


def test_a_journal_note_comes_back_after_the_login_and_is_saved(owner, participant):
    client = _signed_in("owner")
    url = reverse("casework:journal", args=[participant.pk])
    today = timezone.localdate().isoformat()
    next_url = _post_after_timeout(client, url, {"kind": "dag", "happened_on": today, "text": NOTE})
    assert not JournalNote.objects.exists()
    # Only the token travels: no input in the address.
    assert "Verkstadsbolaget" not in unquote(next_url)
    draft = FormDraft.objects.get()
    assert draft.data["text"] == [NOTE]
    assert "csrfmiddlewaretoken" not in draft.data
    assert parse_qs(urlsplit(next_url).query)[DRAFT_PARAM][0] not in draft.token_hash

    _log_in_again(client, "owner", next_url)
    page = client.get(next_url)
    assert page.status_code == 200
    assert _textarea(page.text, "text") == NOTE
    assert REVIEW in page.text
    assert not JournalNote.objects.exists()  # shown, not saved
    assert not FormDraft.objects.exists()  # used once

    # Sent again with the new session's CSRF token, it is saved.
    response = client.post(
        next_url,
        {
            "kind": "dag",
            "happened_on": today,
            "text": _textarea(page.text, "text"),
            "csrfmiddlewaretoken": _csrf(page.text),
        },
    )
    assert response.status_code == 302
    assert JournalNote.objects.get().text == NOTE
    # The draft is gone: the address shows an empty form now.
    assert _textarea(client.get(next_url).text, "text") == ""


def test_a_goal_document_comes_back_after_the_login(owner, participant):
    client = _signed_in("owner")
    url = reverse("mapping:goals", args=[participant.pk])
    next_url = _post_after_timeout(
        client, url, {"version": "0", "goal": "Arbete som busschaufför", "delmal_1": "Körkort"}
    )
    _log_in_again(client, "owner", next_url)
    page = client.get(next_url)
    assert _textarea(page.text, "goal") == "Arbete som busschaufför"
    assert _textarea(page.text, "delmal_1") == "Körkort"
    assert REVIEW in page.text
    assert not GoalDocument.objects.exists()


def test_a_mapping_document_comes_back_after_the_login(owner, participant):
    client = _signed_in("owner")
    url = reverse("mapping:mapping", args=[participant.pk])
    next_url = _post_after_timeout(client, url, {"version": "0", "languages": "Svenska, arabiska"})
    _log_in_again(client, "owner", next_url)
    page = client.get(next_url)
    assert _textarea(page.text, "languages") == "Svenska, arabiska"
    assert REVIEW in page.text
    assert not MappingDocument.objects.exists()


def test_a_referral_comes_back_after_the_login_without_its_file(reference_data):
    counsellor = referral_counsellor()
    client = _signed_in(counsellor.username)
    url = reverse("referrals:new")
    data = referral_data(reason="Behöver stöd mot arbete inom vården.")
    next_url = _post_after_timeout(client, url, data)
    assert data["personnummer"] not in unquote(next_url)
    _log_in_again(client, counsellor.username, next_url)
    page = client.get(next_url)
    assert _textarea(page.text, "reason") == "Behöver stöd mot arbete inom vården."
    assert f'value="{data["personnummer"]}"' in page.text
    assert f'value="{data["submission_key"]}"' in page.text
    assert "välj filen på nytt" in page.text
    assert not Referral.objects.exists()


# --- Bound to its writer -------------------------------------------------------


def test_another_user_signing_in_in_the_same_browser_does_not_get_it(reference_data):
    writer = referral_counsellor()
    other = referral_counsellor()
    client = _signed_in(writer.username)
    next_url = _post_after_timeout(client, reverse("referrals:new"), referral_data())
    _log_in_again(client, other.username, next_url)
    page = client.get(next_url)
    assert page.status_code == 200
    assert "Formulärsson" not in page.text
    assert REVIEW not in page.text
    assert FormDraft.objects.count() == 1  # still there, for its writer only


def test_the_token_alone_opens_nothing_in_another_browser(reference_data):
    writer = referral_counsellor()
    client = _signed_in(writer.username)
    next_url = _post_after_timeout(client, reverse("referrals:new"), referral_data())
    # Someone who got hold of the address, even signed in as the writer.
    elsewhere = _signed_in(writer.username)
    page = elsewhere.get(next_url)
    assert "Formulärsson" not in page.text
    assert FormDraft.objects.count() == 1


def test_a_draft_is_only_shown_on_its_own_page(owner, participant):
    client = _signed_in("owner")
    journal = reverse("casework:journal", args=[participant.pk])
    next_url = _post_after_timeout(
        client, journal, {"kind": "dag", "happened_on": "2026-01-05", "text": NOTE}
    )
    _log_in_again(client, "owner", next_url)
    query = urlsplit(next_url).query
    goals = client.get(f"{reverse('mapping:goals', args=[participant.pk])}?{query}")
    assert NOTE not in goals.text
    assert _textarea(client.get(next_url).text, "text") == NOTE


def test_an_expired_draft_is_not_shown_and_is_deleted(owner, participant):
    client = _signed_in("owner")
    url = reverse("casework:journal", args=[participant.pk])
    next_url = _post_after_timeout(
        client, url, {"kind": "dag", "happened_on": "2026-01-05", "text": NOTE}
    )
    FormDraft.objects.update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
        created_at=timezone.now() - DRAFT_LIFETIME,
    )
    _log_in_again(client, "owner", next_url)
    assert NOTE not in client.get(next_url).text
    assert not FormDraft.objects.exists()


# --- What is not kept ----------------------------------------------------------


def test_csrf_still_holds(owner, participant):
    """A post without a valid CSRF token is refused before any draft is made."""
    client = Client(enforce_csrf_checks=True)
    url = reverse("casework:journal", args=[participant.pk])
    response = client.post(url, {"kind": "dag", "happened_on": "2026-01-05", "text": NOTE})
    assert response.status_code == 403
    assert not FormDraft.objects.exists()


def test_a_post_too_large_or_empty_is_not_kept(owner, participant):
    client = Client()
    url = reverse("casework:journal", args=[participant.pk])
    big = client.post(url, {"kind": "dag", "text": "x" * (MAX_DRAFT_CHARS + 1)})
    assert big.status_code == 302 and DRAFT_PARAM not in big.url
    empty = client.post(url, {})
    assert empty.status_code == 302 and DRAFT_PARAM not in empty.url
    assert not FormDraft.objects.exists()


def test_other_posts_go_to_the_login_as_before(owner, participant):
    client = Client()
    response = client.post(reverse("notifications_mark_read"), {"x": "1"})
    assert response.status_code == 302
    assert DRAFT_PARAM not in response.url
    assert not FormDraft.objects.exists()


def test_with_two_factor_login_the_form_comes_back_after_the_code(owner, participant, settings):
    settings.RATTINSATS_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    client = Client()
    client.force_login(owner)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    url = reverse("casework:journal", args=[participant.pk])
    assert client.get(url).status_code == 200
    _end_sessions()
    response = client.post(url, {"kind": "dag", "happened_on": "2026-01-05", "text": NOTE})
    next_url = parse_qs(urlsplit(response.url).query)["next"][0]

    login = client.post(
        reverse("login"), {"username": "owner", "password": PASSWORD, "next": next_url}
    )
    assert login.url == next_url
    assert client.get(next_url).url == reverse("two_factor_verify")
    verified = client.post(reverse("two_factor_verify"), {"code": _code(device)})
    assert verified.url == next_url
    assert _textarea(client.get(next_url).text, "text") == NOTE
