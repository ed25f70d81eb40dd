import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from participants.models import Participant
from rattinsats.models import Organisation, Role
from referrals.models import Referral, WeeklyMeeting, week_monday
from tests.conftest import client_for
from tests.factories import (
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    next_personnummer,
    organisation,
    referral_counsellor,
)
from tests.referrals.documents import pdf_bytes
from tests.referrals.test_referral_services import _private_media, allocate  # noqa: F401 - fixture

PDF = pdf_bytes()

# session, user, the referrals grouped in one query, and the header's
# notification count, task count and the user's organisation (one query).
# The session is renewed at most once a minute, not written by every page.
INBOX_QUERIES = 4
# session, user; the meeting of the week; active staff; their caseloads
# (participants, allocated referrals); referrals ready; which of them the
# user may open; recent meetings; the item "Arbetsgivare och jobborder"
# (open orders, the week's contacts, its placements); the header's task and
# notification counts and organisation, one query (no session write: it is
# renewed at most once a minute).
MEETING_QUERIES = 13


@pytest.fixture
def referrer(db):
    return referral_counsellor()


def form_data(**overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "personnummer": next_personnummer(),
        "first_name": "Maja",
        "last_name": "Formulärsson",
        "gender": "kvinna",
        "phone": "070-000 00 00",
        "email": "",
        "preferred_language": "svenska",
        "needs_deeper_support": "ja",
        "other_af_intervention": "nej",
        "registered_jobseeker": "ja",
        "social_assistance": "ja",
        "jobseeker_category_14": "nej",
        "sick_leave_ending": "nej",
        "consent_signed_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "consent_organisations": [str(o.pk) for o in Organisation.objects.all()],
        "reason": "Har provat flera insatser.",
    }
    data.update(overrides)
    return data


def all_urls(referral):
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    return {
        "mine": reverse("referrals:mine"),
        "new": reverse("referrals:new"),
        "receipt": reverse("referrals:receipt", args=[referral.pk]),
        "inbox": reverse("referrals:inbox"),
        "detail": reverse("referrals:detail", args=[referral.pk]),
        "document": reverse("referrals:consent_document", args=[referral.pk]),
        "meeting_current": reverse("referrals:meeting_current"),
        "meeting": reverse("referrals:meeting", args=[year, week]),
    }


# --- Access -------------------------------------------------------------------


def test_it_redirects_anonymous_users_to_login(client, db):
    referral = ReferralFactory()
    for url in all_urls(referral).values():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("counsellor", {"mine", "new"}),
        ("owner", {"meeting_current", "meeting"}),
        ("officer", {"inbox", "detail", "meeting_current", "meeting"}),
        ("steering", set()),
        ("administrator", set()),
    ],
)
def test_it_answers_404_outside_each_roles_pages(request, role, allowed):
    user = request.getfixturevalue(role)
    # Someone else's referral, without a consent form.
    referral = ReferralFactory()
    client = client_for(user)
    for name, url in all_urls(referral).items():
        expected = 200 if name in allowed else 404
        assert client.get(url).status_code == expected, (role, name)


def test_it_hides_a_referral_from_another_counsellor(referrer):
    mine = ReferralFactory(referred_by=referrer)
    other = ReferralFactory()
    client = client_for(referrer)
    assert client.get(reverse("referrals:receipt", args=[mine.pk])).status_code == 200
    assert client.get(reverse("referrals:receipt", args=[other.pk])).status_code == 404
    html = client.get(reverse("referrals:mine")).content.decode()
    assert mine.last_name in html and other.last_name not in html


def test_it_refuses_the_form_to_a_counsellor_outside_jobbcentrum_and_the_af(db):
    user = UserFactory(role=Role.COUNSELLOR, organisation=organisation("ekonomiskt_bistand"))
    assert client_for(user).get(reverse("referrals:new")).status_code == 404


def test_it_answers_405_to_wrong_methods(referrer, officer, owner):
    referral = ReferralFactory(referred_by=referrer)
    year, week, _ = timezone.localdate().isocalendar()
    assert client_for(referrer).post(reverse("referrals:mine")).status_code == 405
    assert client_for(referrer).delete(reverse("referrals:new")).status_code == 405
    officer_client = client_for(officer)
    assert officer_client.post(reverse("referrals:inbox")).status_code == 405
    assert officer_client.get(reverse("referrals:check", args=[referral.pk])).status_code == 405
    assert (
        officer_client.get(reverse("referrals:information_call", args=[referral.pk])).status_code
        == 405
    )
    owner_client = client_for(owner)
    assert owner_client.post(reverse("referrals:meeting_current")).status_code == 405
    assert (
        owner_client.get(reverse("referrals:meeting_allocate", args=[year, week])).status_code
        == 405
    )
    assert (
        owner_client.get(reverse("referrals:meeting_notes", args=[year, week])).status_code == 405
    )


def test_it_answers_404_for_a_week_that_does_not_exist(owner):
    assert client_for(owner).get(reverse("referrals:meeting", args=[2026, 54])).status_code == 404


# --- The referral form --------------------------------------------------------


def test_it_submits_once_even_when_posted_twice(referrer):
    client = client_for(referrer)
    page = client.get(reverse("referrals:new")).content.decode()
    assert 'name="submission_key"' in page
    data = form_data()
    first = client.post(reverse("referrals:new"), data)
    second = client.post(reverse("referrals:new"), data)
    referral = Referral.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("referrals:receipt", args=[referral.pk])
    receipt = client.get(first.url).content.decode()
    assert "Anvisningen är mottagen" in receipt


def test_it_names_the_unmet_criterion_and_keeps_the_input(referrer):
    client = client_for(referrer)
    response = client.post(
        reverse("referrals:new"), form_data(other_af_intervention="ja", first_name="Behållen")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "får inte vara anvisad till en annan insats" in html
    assert 'value="Behållen"' in html
    assert not Referral.objects.exists()


def test_it_shows_swedish_errors_for_missing_answers(referrer):
    response = client_for(referrer).post(
        reverse("referrals:new"), form_data(needs_deeper_support="", personnummer="123")
    )
    html = response.content.decode()
    assert "Svara ja eller nej." in html
    assert "Ogiltigt personnummer" in html
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"MZ\x90\x00\x03 renamed executable", "inte en PDF-, JPEG- eller PNG-fil"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "för stor"),
    ],
)
def test_it_refuses_a_bad_upload_with_a_message(referrer, content, words):
    upload = SimpleUploadedFile("samtycke.pdf", content, "application/pdf")
    response = client_for(referrer).post(
        reverse("referrals:new"), {**form_data(), "consent_document": upload}
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Referral.objects.exists()


def test_it_serves_the_consent_form_only_to_those_entitled(referrer, officer, owner, counsellor):
    upload = SimpleUploadedFile("x.pdf", PDF, "application/pdf")
    response = client_for(referrer).post(
        reverse("referrals:new"), {**form_data(), "consent_document": upload}
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    url = reverse("referrals:consent_document", args=[referral.pk])
    for user in (referrer, officer):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == PDF
    for user in (owner, counsellor):
        assert client_for(user).get(url).status_code == 404


# --- The inbox and the information call ---------------------------------------


def test_the_inbox_costs_the_same_whatever_the_number_of_referrals(
    officer, django_assert_num_queries
):
    ReferralFactory()
    client = client_for(officer)
    client.get(reverse("referrals:inbox"))  # warm the session
    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("referrals:inbox"))
    for status in ("received", "ready", "allocated", "received", "ready"):
        ReferralFactory(status=status, responsible=officer if status == "allocated" else None)
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(reverse("referrals:inbox"))
    assert response.content.decode().count("/anvisningar/") >= 6


def test_the_officer_clears_and_returns_referrals(officer):
    client = client_for(officer)
    cleared, returned = ReferralFactory(), ReferralFactory()
    response = client.post(
        reverse("referrals:check", args=[cleared.pk]),
        {"has_other_intervention": "nej", "note": "Kontrollerat i AIS."},
    )
    assert response.status_code == 302
    client.post(
        reverse("referrals:check", args=[returned.pk]),
        {"has_other_intervention": "ja", "note": "Deltar i KROM."},
    )
    cleared.refresh_from_db()
    returned.refresh_from_db()
    assert cleared.status == "ready"
    assert (returned.status, returned.return_reason) == ("returned", "Deltar i KROM.")
    mine = client_for(returned.referred_by).get(reverse("referrals:mine")).content.decode()
    assert "Returnerad" in mine and "Deltar i KROM." in mine


def test_the_check_form_shows_errors_and_saves_nothing(officer):
    referral = ReferralFactory()
    response = client_for(officer).post(
        reverse("referrals:check", args=[referral.pk]), {"has_other_intervention": "nej"}
    )
    assert response.status_code == 200
    assert "Skriv en anteckning om kontrollen." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "received"


def test_the_information_call_makes_a_participant(officer, owner):
    referral = ReferralFactory(status=Referral.Status.READY)
    allocate(referral, owner)
    client = client_for(officer)
    url = reverse("referrals:information_call", args=[referral.pk])
    response = client.post(url, {"wants_to_participate": "ja"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kontrollera personens identitet" in html
    assert not Participant.objects.exists()
    response = client.post(
        url,
        {
            "identity_verified": "on",
            "informed_about_reporting": "on",
            "wants_to_participate": "ja",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert participant.responsible == owner
    owner_page = client_for(owner).get(reverse("participants:detail", args=[participant.pk]))
    assert owner_page.status_code == 200
    mine = client_for(referral.referred_by).get(reverse("referrals:mine")).content.decode()
    assert "Antagen" in mine
    # The counsellor still follows whom they referred, but once accepted the
    # receipt no longer shows what they wrote about the person.
    assert reverse("referrals:receipt", args=[referral.pk]) in mine
    receipt = client_for(referral.referred_by).get(reverse("referrals:receipt", args=[referral.pk]))
    assert referral.reason not in receipt.content.decode()


def test_the_responsible_sees_the_allocated_referral_others_do_not(owner, teammate):
    referral = ReferralFactory(status=Referral.Status.READY)
    allocate(referral, owner)
    url = reverse("referrals:detail", args=[referral.pk])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(teammate).get(url).status_code == 404


# --- The weekly meeting -------------------------------------------------------


def test_the_meeting_costs_the_same_whatever_the_number_of_referrals(
    owner, teammate, django_assert_num_queries
):
    ReferralFactory(status=Referral.Status.READY)
    ParticipantFactory(responsible=owner)
    client = client_for(owner)
    client.get(reverse("referrals:meeting_current"))  # warm the session
    with django_assert_num_queries(MEETING_QUERIES):
        client.get(reverse("referrals:meeting_current"))
    for _ in range(4):
        ReferralFactory(status=Referral.Status.READY)
        ReferralFactory(status=Referral.Status.ALLOCATED, responsible=teammate)
        ParticipantFactory(responsible=teammate)
    with django_assert_num_queries(MEETING_QUERIES):
        response = client.get(reverse("referrals:meeting_current"))
    # One choice of responsible per ready referral, in the page's main part
    # (the footer's language switch is a select of its own).
    main = response.content.decode().split('<main id="main"')[1].split("</main>")[0]
    assert main.count("<select") == 5


def test_the_meeting_proposes_and_staff_may_change_before_confirming(owner, teammate):
    for _ in range(3):
        ParticipantFactory(responsible=owner)
    referral = ReferralFactory(status=Referral.Status.READY)
    client = client_for(owner)
    html = client.get(reverse("referrals:meeting_current")).content.decode()
    # The proposal: the teammate, who has no cases.
    assert f'<option value="{teammate.pk}" selected>' in html
    year, week, _ = timezone.localdate().isocalendar()
    response = client.post(
        reverse("referrals:meeting_allocate", args=[year, week]),
        {f"referral_{referral.pk}": str(owner.pk)},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.responsible == owner
    assert referral.meeting.week_start == week_monday(timezone.localdate())


def test_the_meeting_refuses_a_missing_choice(owner):
    referral = ReferralFactory(status=Referral.Status.READY)
    year, week, _ = timezone.localdate().isocalendar()
    response = client_for(owner).post(
        reverse("referrals:meeting_allocate", args=[year, week]),
        {f"referral_{referral.pk}": ""},
    )
    assert response.status_code == 200
    assert "Välj en ansvarig." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "ready"


def test_the_meeting_keeps_its_notes(owner):
    year, week, _ = timezone.localdate().isocalendar()
    client = client_for(owner)
    response = client.post(
        reverse("referrals:meeting_notes", args=[year, week]),
        {
            "version": "0",
            "supervision_notes": "Fall att diskutera",
            "employer_notes": "Ny jobborder hos lager",
            "development_notes": "",
        },
    )
    assert response.status_code == 302
    meeting = WeeklyMeeting.objects.get()
    assert meeting.employer_notes == "Ny jobborder hos lager"
    stale = client.post(
        reverse("referrals:meeting_notes", args=[year, week]),
        {"version": "0", "supervision_notes": "x", "employer_notes": "", "development_notes": ""},
    )
    assert "Någon annan har sparat" in stale.content.decode()
    html = client.get(reverse("referrals:meeting", args=[year, week])).content.decode()
    assert "Ny jobborder hos lager" in html
