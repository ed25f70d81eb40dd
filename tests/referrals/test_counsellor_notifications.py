"""The counsellor's in-app notifications name whom they concern (the
counsellor entered name and personnummer); their e-mails name no one."""

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from closure.models import EmploymentStatus, IncomeSource
from closure.services import participant_close
from participants.models import ClosureReason, ClosureResult
from rattinsats.models import Notification, Organisation
from rattinsats.personnummer import format_canonical
from referrals import services
from referrals.models import Referral, week_monday
from tests.factories import next_personnummer, referral_counsellor

pytestmark = pytest.mark.django_db

CALL = {"identity_verified": True, "informed_about_reporting": True}


@pytest.fixture
def people(officer, owner, settings):
    settings.SITE_URL = "https://ratt-insats.example.invalid"
    referrer = referral_counsellor()
    for user in (referrer, officer, owner):
        user.email = f"{user.username}@example.invalid"
        user.save()
    return referrer, officer, owner


def submit(referrer, first_name: str) -> Referral:
    return services.referral_submit(
        actor=referrer,
        submission_key=uuid.uuid4(),
        personnummer=next_personnummer(),
        first_name=first_name,
        last_name="Aviseradsson",
        gender="kvinna",
        needs_deeper_support=True,
        other_af_intervention=False,
        registered_jobseeker=True,
        social_assistance=True,
        jobseeker_category_14=False,
        sick_leave_ending=False,
        consent_signed_on=timezone.localdate() - datetime.timedelta(days=1),
        consent_organisations=list(Organisation.objects.all()),
        reason="Har provat flera insatser.",
    )


def personal_data(referral: Referral) -> list[str]:
    """Every form in which the person could be named."""
    number = referral.personnummer
    return [
        referral.first_name,
        referral.last_name,
        number,
        format_canonical(number),
        number[2:],
        number[:8],
    ]


def messages_to(user) -> list[str]:
    notes = Notification.objects.filter(user=user).order_by("pk")
    return list(notes.values_list("message", flat=True))


def test_every_step_names_the_person_in_the_app_and_no_one_by_e_mail(
    people, django_capture_on_commit_callbacks
):
    referrer, officer, owner = people
    with django_capture_on_commit_callbacks(execute=True):
        returned = submit(referrer, "Rut")
        declined = submit(referrer, "Dagny")
        taken = submit(referrer, "Maja")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_check(
            actor=officer, referral=returned, has_other_intervention=True, note="Deltar i KROM."
        )
        for referral in (declined, taken):
            services.referral_check(
                actor=officer, referral=referral, has_other_intervention=False, note="Ok"
            )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_allocate(
            actor=owner,
            week_start=week_monday(timezone.localdate()),
            assignments={declined.pk: owner, taken.pk: owner},
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_information_call(
            actor=officer, referral=declined, wants_to_participate=False, **CALL
        )
        taken = services.referral_information_call(
            actor=officer,
            referral=taken,
            wants_to_participate=True,
            start_date=timezone.localdate() - datetime.timedelta(days=30),
            **CALL,
        )
    with django_capture_on_commit_callbacks(execute=True):
        participant_close(
            actor=owner,
            participant=taken.participant,
            closed_on=timezone.localdate(),
            reason=ClosureReason.WORK,
            result=ClosureResult.JOB_WITHOUT_SUPPORT,
            employment_status=EmploymentStatus.PAID_WORK,
            income_source=IncomeSource.SALARY,
        )

    def named(referral):
        return f"{referral.first_name} Aviseradsson ({format_canonical(referral.personnummer)})"

    assert messages_to(referrer) == [
        f"Anvisningen av {named(returned)} har returnerats.",
        f"Anvisningen av {named(declined)} har fördelats till en ansvarig i Rätt insats.",
        f"Anvisningen av {named(taken)} har fördelats till en ansvarig i Rätt insats.",
        f"Anvisningen av {named(declined)} är avslutad: personen tackade nej.",
        f"{named(taken)} är antagen och är nu deltagare i Rätt insats.",
        f"{named(taken)}, som du har anvisat, har avslutats i Rätt insats.",
    ]

    # The counsellor has a mail for each notification, and no mail names anyone.
    to_referrer = [m for m in mail.outbox if m.to == [referrer.email]]
    assert len(to_referrer) == 6
    assert len(mail.outbox) > len(to_referrer)
    for message in mail.outbox:
        text = message.subject + message.body
        for referral in (returned, declined, taken):
            for personal in personal_data(referral):
                assert personal not in text, (message.subject, personal)
    assert {m.subject for m in to_referrer} == {
        "Rätt insats: En av dina anvisningar har returnerats.",
        "Rätt insats: En av dina anvisningar har fördelats till en ansvarig i Rätt insats.",
        "Rätt insats: En av dina anvisningar är avslutad: personen tackade nej.",
        "Rätt insats: En av dina anvisningar är antagen: personen är nu deltagare i Rätt insats.",
        "Rätt insats: avslut",
    }
    # Nor do the staff's notifications name the person in the app.
    staff_messages = messages_to(officer) + messages_to(owner)
    assert staff_messages
    for text in staff_messages:
        assert "Aviseradsson" not in text
