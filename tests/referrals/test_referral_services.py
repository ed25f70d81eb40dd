import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import get_perms

from participants.models import Consent, Participant, Task
from participants.selectors import participants_visible_to
from rattinsats import testnumbers
from rattinsats.models import AuditEvent, Notification, Organisation, Role
from rattinsats.uploads import sniff
from referrals import services
from referrals.models import Referral, WeeklyMeeting, week_monday
from tests.factories import (
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    next_personnummer,
    organisation,
    referral_counsellor,
)
from tests.referrals.documents import pdf_bytes, png_bytes

PDF = pdf_bytes()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads"), "base_url": None},
        },
    }


def submit_data(**overrides):
    data = {
        "submission_key": uuid.uuid4(),
        "personnummer": next_personnummer(),
        "first_name": "Maja",
        "last_name": "Anvisadsson",
        "gender": "kvinna",
        "needs_deeper_support": True,
        "other_af_intervention": False,
        "registered_jobseeker": True,
        "social_assistance": True,
        "jobseeker_category_14": False,
        "sick_leave_ending": False,
        "consent_signed_on": timezone.localdate() - datetime.timedelta(days=1),
        "consent_organisations": list(Organisation.objects.all()),
        "reason": "Har provat flera insatser och behöver fördjupat stöd.",
    }
    data.update(overrides)
    return data


def number_aged(age: int, on: datetime.date) -> str:
    """A test number of someone exactly ``age`` on ``on`` (birthday passed)."""
    for number in testnumbers.personnummer():
        born = datetime.date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if years == age:
            return number
    raise AssertionError(f"no test number aged {age}")


@pytest.fixture
def referrer(db):
    return referral_counsellor()


def allocate(referral: Referral, to) -> Referral:
    """Allocate a referral at this week's meeting (as the responsible)."""
    services.meeting_allocate(
        actor=to, week_start=week_monday(timezone.localdate()), assignments={referral.pk: to}
    )
    referral.refresh_from_db()
    return referral


# --- Submitting ---------------------------------------------------------------


def test_it_creates_a_referral_and_tells_the_employment_officer(referrer, officer):
    officer.email = "officer@example.invalid"
    officer.save()
    referral = services.referral_submit(actor=referrer, **submit_data())
    assert referral.status == Referral.Status.RECEIVED
    assert referral.target_group == "FS"
    assert referral.referring_organisation == referrer.organisation
    assert referral.consent_organisations.count() == Organisation.objects.count()
    assert AuditEvent.objects.filter(
        action="create", object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()
    note = Notification.objects.get(user=officer)
    assert referral.last_name not in note.message


def test_it_sends_e_mail_only_after_commit_and_without_personal_data(
    referrer, officer, django_capture_on_commit_callbacks
):
    officer.email = "officer@example.invalid"
    officer.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = services.referral_submit(actor=referrer, **submit_data())
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@example.invalid"]
    body = message.subject + message.body
    assert referral.last_name not in body and referral.personnummer[:8] not in body
    assert f"/anvisningar/{referral.pk}/" in body


def test_it_uses_route_b_as_af14(referrer):
    referral = services.referral_submit(
        actor=referrer,
        **submit_data(
            registered_jobseeker=False,
            social_assistance=False,
            jobseeker_category_14=True,
            sick_leave_ending=True,
        ),
    )
    assert referral.target_group == "AF14"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"needs_deeper_support": False}, "needs_deeper_support", "fördjupat stöd"),
        ({"other_af_intervention": True}, "other_af_intervention", "annan insats"),
        (
            {"social_assistance": False},
            "__all__",
            "inte försörjning genom ekonomiskt bistånd",
        ),
        (
            {"registered_jobseeker": False, "jobseeker_category_14": True},
            "__all__",
            "ingen sjukskrivning som upphör",
        ),
    ],
)
def test_it_names_the_unmet_criterion(referrer, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        services.referral_submit(actor=referrer, **submit_data(**overrides))
    assert words in " ".join(caught.value.message_dict[field])
    assert not Referral.objects.exists()


@pytest.mark.parametrize(("age", "ok"), [(17, False), (18, True), (64, True), (65, False)])
def test_it_computes_the_age_on_the_referral_date(referrer, age, ok):
    on = timezone.localdate()
    data = submit_data(personnummer=number_aged(age, on), referred_on=on)
    if ok:
        services.referral_submit(actor=referrer, **data)
    else:
        with pytest.raises(ValidationError) as caught:
            services.referral_submit(actor=referrer, **data)
        assert "18–64" in caught.value.message_dict["personnummer"][0]


@pytest.mark.parametrize(
    "make",
    [
        lambda: UserFactory(role=Role.COUNSELLOR, organisation=organisation("ekonomiskt_bistand")),
        lambda: UserFactory(role=Role.STAFF),
        lambda: UserFactory(role=Role.EMPLOYMENT_OFFICER),
        lambda: UserFactory(
            role=Role.COUNSELLOR, organisation=organisation("jobbcentrum"), is_active=False
        ),
    ],
)
def test_it_lets_only_counsellors_at_jobbcentrum_or_the_af_refer(db, make):
    with pytest.raises(PermissionDenied):
        services.referral_submit(actor=make(), **submit_data())


def test_it_lets_an_af_counsellor_refer(db):
    af = referral_counsellor("arbetsformedlingen")
    referral = services.referral_submit(actor=af, **submit_data())
    assert referral.referring_organisation.kind == "arbetsformedlingen"


def test_it_refuses_a_person_with_an_open_referral(referrer):
    first = services.referral_submit(actor=referrer, **submit_data())
    with pytest.raises(ValidationError) as caught:
        services.referral_submit(actor=referrer, **submit_data(personnummer=first.personnummer))
    assert "pågående anvisning" in caught.value.message_dict["personnummer"][0]
    assert Referral.objects.count() == 1


def test_it_refuses_a_person_with_an_active_participation(referrer, participant):
    with pytest.raises(ValidationError) as caught:
        services.referral_submit(
            actor=referrer, **submit_data(personnummer=participant.personnummer)
        )
    assert "deltar redan" in caught.value.message_dict["personnummer"][0]


def test_it_allows_a_new_referral_once_the_last_one_was_returned(referrer):
    old = ReferralFactory(status=Referral.Status.RETURNED)
    services.referral_submit(actor=referrer, **submit_data(personnummer=old.personnummer))
    assert Referral.objects.filter(personnummer=old.personnummer).count() == 2


def test_the_database_refuses_two_open_referrals_of_one_person(db):
    first = ReferralFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(personnummer=first.personnummer)


def test_it_creates_one_referral_for_a_resubmitted_form(referrer):
    data = submit_data()
    first = services.referral_submit(actor=referrer, **data)
    second = services.referral_submit(actor=referrer, **data)
    assert first.pk == second.pk
    assert Referral.objects.count() == 1


def test_it_stores_the_consent_form_under_a_neutral_name(referrer):
    upload = SimpleUploadedFile("Maja Anvisadsson samtycke.pdf", PDF, "application/pdf")
    referral = services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    assert referral.consent_document.name.startswith("referrals/consents/")
    assert referral.consent_document.name.endswith(".pdf")
    assert "Maja" not in referral.consent_document.name
    assert referral.consent_document.read() == PDF


def test_a_failed_submission_leaves_no_stored_form(referrer, private_media, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the notification could not be written")

    monkeypatch.setattr(services, "notification_send", fail)
    upload = SimpleUploadedFile("samtycke.pdf", PDF, "application/pdf")
    with pytest.raises(RuntimeError):
        services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    assert not Referral.objects.exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00 executable", "samtycke.pdf"),
        (b"just text", "samtycke.png"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "stor.pdf"),
    ],
)
def test_it_refuses_a_wrong_or_oversized_file(referrer, content, name):
    upload = SimpleUploadedFile(name, content, "application/pdf")
    with pytest.raises(ValidationError):
        services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    assert not Referral.objects.exists()


# --- The inbox check ----------------------------------------------------------


def test_it_makes_a_checked_referral_ready(officer):
    referral = ReferralFactory()
    services.referral_check(
        actor=officer, referral=referral, has_other_intervention=False, note="Ingen annan insats."
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.READY
    assert referral.checked_by == officer
    assert referral.check_note == "Ingen annan insats."


def test_it_returns_a_referral_with_another_intervention(officer):
    referral = ReferralFactory()
    services.referral_check(
        actor=officer, referral=referral, has_other_intervention=True, note="Deltar i KROM."
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RETURNED
    assert referral.return_reason == "Deltar i KROM."
    note = Notification.objects.get(user=referral.referred_by)
    assert "returnerats" in note.message


def test_it_requires_a_note_and_the_employment_officer(officer, owner):
    referral = ReferralFactory()
    with pytest.raises(ValidationError):
        services.referral_check(
            actor=officer, referral=referral, has_other_intervention=False, note=" "
        )
    with pytest.raises(PermissionDenied):
        services.referral_check(
            actor=owner, referral=referral, has_other_intervention=False, note="x"
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


# --- The weekly meeting -------------------------------------------------------


def test_it_allocates_in_one_transaction_with_object_permissions(owner, teammate, officer):
    a = ReferralFactory(status=Referral.Status.READY)
    b = ReferralFactory(status=Referral.Status.READY)
    week = week_monday(timezone.localdate())
    services.meeting_allocate(
        actor=owner, week_start=week, assignments={a.pk: owner, b.pk: teammate}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.responsible, b.responsible) == ("allocated", owner, teammate)
    assert a.meeting == b.meeting == WeeklyMeeting.objects.get(week_start=week)
    assert "view_referral" in get_perms(owner, a)
    assert "view_referral" not in get_perms(owner, b)
    assert Notification.objects.filter(user=a.referred_by).exists()


def test_it_allocates_nothing_when_one_line_is_stale(owner, teammate):
    a = ReferralFactory(status=Referral.Status.READY)
    b = ReferralFactory(status=Referral.Status.RECEIVED)
    week = week_monday(timezone.localdate())
    with pytest.raises(ValidationError):
        services.meeting_allocate(
            actor=owner, week_start=week, assignments={a.pk: owner, b.pk: teammate}
        )
    a.refresh_from_db()
    assert a.status == Referral.Status.READY and a.responsible is None


def test_it_never_allocates_to_an_inactive_or_outside_account(owner, counsellor):
    a = ReferralFactory(status=Referral.Status.READY)
    gone = UserFactory(role=Role.STAFF, is_active=False)
    week = week_monday(timezone.localdate())
    for user in (gone, counsellor):
        with pytest.raises(ValidationError):
            services.meeting_allocate(actor=owner, week_start=week, assignments={a.pk: user})
    with pytest.raises(PermissionDenied):
        services.meeting_allocate(actor=counsellor, week_start=week, assignments={a.pk: owner})


def test_it_keeps_one_meeting_per_week_and_refuses_stale_notes(owner, teammate):
    week = week_monday(timezone.localdate())
    services.meeting_notes_save(
        actor=owner,
        week_start=week,
        version=0,
        supervision_notes="Handledning",
        employer_notes="",
        development_notes="",
    )
    with pytest.raises(ValidationError):
        services.meeting_notes_save(
            actor=teammate,
            week_start=week,
            version=0,
            supervision_notes="Skriver över",
            employer_notes="",
            development_notes="",
        )
    meeting = WeeklyMeeting.objects.get()
    assert meeting.supervision_notes == "Handledning" and meeting.version == 1
    with pytest.raises(ValidationError):
        services.meeting_ensure(week_start=week + datetime.timedelta(days=1))


# --- The information call -----------------------------------------------------


@pytest.fixture
def allocated(owner):
    return allocate(ReferralFactory(status=Referral.Status.READY), owner)


def test_it_declines_and_tells_the_counsellor(officer, allocated):
    services.referral_information_call(
        actor=officer,
        referral=allocated,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=False,
    )
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.DECLINED
    assert not Participant.objects.exists()
    assert Notification.objects.filter(
        user=allocated.referred_by, message__contains="tackade nej"
    ).exists()


def test_it_makes_a_participant_on_yes(officer, owner, allocated):
    start = timezone.localdate()
    services.referral_information_call(
        actor=officer,
        referral=allocated,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=start,
    )
    allocated.refresh_from_db()
    participant = allocated.participant
    assert allocated.status == Referral.Status.ACCEPTED
    assert participant.responsible == owner
    assert participant.start_date == start
    assert participant.target_group == "FS"
    assert participant.referring_organisation == allocated.referring_organisation
    assert participant in participants_visible_to(owner)
    consent = Consent.objects.get(participant=participant)
    assert consent.signed_on == allocated.consent_signed_on
    assert set(consent.organisations.all()) == set(allocated.consent_organisations.all())
    assert consent.is_valid_on(start)
    kinds = set(
        Task.objects.filter(assignee=owner, participant=participant).values_list("kind", flat=True)
    )
    assert kinds == {Task.Kind.FLAG_START, Task.Kind.BOOK_MAPPING}
    assert Notification.objects.filter(user=owner, message__contains="ny deltagare").exists()
    assert Notification.objects.filter(
        user=allocated.referred_by, message__contains="antagen"
    ).exists()


def test_it_passes_the_consent_form_on_to_the_participant(officer, owner, referrer):
    upload = SimpleUploadedFile("s.png", png_bytes(), "image/png")
    referral = services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    services.referral_check(
        actor=officer, referral=referral, has_other_intervention=False, note="Ok"
    )
    allocate(referral, owner)
    services.referral_information_call(
        actor=officer,
        referral=referral,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=timezone.localdate(),
    )
    consent = Consent.objects.get()
    assert consent.document.name == referral.consent_document.name


def test_it_requires_identity_information_and_start_date(officer, allocated):
    with pytest.raises(ValidationError) as caught:
        services.referral_information_call(
            actor=officer,
            referral=allocated,
            identity_verified=False,
            informed_about_reporting=False,
            wants_to_participate=True,
        )
    assert set(caught.value.message_dict) == {
        "identity_verified",
        "informed_about_reporting",
        "start_date",
    }
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_it_rolls_back_when_the_person_already_takes_part(officer, allocated):
    ParticipantFactory(personnummer=allocated.personnummer)
    with pytest.raises(ValidationError):
        services.referral_information_call(
            actor=officer,
            referral=allocated,
            identity_verified=True,
            informed_about_reporting=True,
            wants_to_participate=True,
            start_date=timezone.localdate(),
        )
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED
    assert not Task.objects.exists() and not Consent.objects.exists()


def test_only_the_employment_officer_makes_the_call(owner, allocated):
    with pytest.raises(PermissionDenied):
        services.referral_information_call(
            actor=owner,
            referral=allocated,
            identity_verified=True,
            informed_about_reporting=True,
            wants_to_participate=False,
        )


def test_it_recognises_files_by_their_first_bytes():
    assert sniff(PDF[:16]) == ("application/pdf", "pdf")
    assert sniff(b"\xff\xd8\xff\xe0") == ("image/jpeg", "jpg")
    assert sniff(b"GIF89a") is None


def test_it_refuses_the_call_before_allocation_and_twice(officer, allocated):
    waiting = ReferralFactory(status=Referral.Status.READY)
    call = {
        "identity_verified": True,
        "informed_about_reporting": True,
        "wants_to_participate": False,
    }
    with pytest.raises(ValidationError, match="veckomötet"):
        services.referral_information_call(actor=officer, referral=waiting, **call)
    services.referral_information_call(actor=officer, referral=allocated, **call)
    with pytest.raises(ValidationError, match="redan registrerat"):
        services.referral_information_call(actor=officer, referral=allocated, **call)


def test_no_e_mail_or_notification_of_the_whole_path_names_the_person(
    referrer, officer, owner, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://ratt-insats.example.invalid"
    for user in (referrer, officer, owner):
        user.email = f"{user.username}@example.invalid"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_submit(actor=referrer, **submit_data())
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_check(
            actor=officer, referral=referral, has_other_intervention=False, note="Ok"
        )
    with django_capture_on_commit_callbacks(execute=True):
        allocate(referral, owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_information_call(
            actor=officer,
            referral=referral,
            identity_verified=True,
            informed_about_reporting=True,
            wants_to_participate=True,
            start_date=timezone.localdate(),
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {u.email for u in (referrer, officer, owner)}
    texts = [m.subject + m.body for m in mail.outbox]
    # In the app only the counsellor, who entered them, reads name and number.
    texts += list(Notification.objects.exclude(user=referrer).values_list("message", flat=True))
    for text in texts:
        for personal in (referral.first_name, referral.last_name, referral.personnummer[:8]):
            assert personal not in text
    assert all("https://ratt-insats.example.invalid/" in m.body for m in mail.outbox)


def test_a_second_click_saved_after_the_first_returns_the_first_referral(referrer, monkeypatch):
    """The first click is saved between the second click's look-up of its
    submission key and its check for an open referral of the person: the
    second click gets the first referral, not "already referred"."""
    data = submit_data()
    parse, first = services.parse, []

    def parse_while_the_first_click_is_saved(*args, **kwargs):
        if not first:
            first.append(None)
            first[0] = services.referral_submit(actor=referrer, **data)
        return parse(*args, **kwargs)

    monkeypatch.setattr(services, "parse", parse_while_the_first_click_is_saved)
    second = services.referral_submit(actor=referrer, **data)
    assert second == first[0]
    assert Referral.objects.count() == 1
