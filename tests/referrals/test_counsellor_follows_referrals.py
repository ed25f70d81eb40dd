"""The counsellor follows their own referrals on "Mina anvisningar" and the
receipt: whom they referred (name and full personnummer) and the outcome
with dates, through to the closure's reason category; never the case."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import JournalNote
from casework.services import journal_note_create
from closure.models import EmploymentStatus, IncomeSource, OtherClosureReason
from closure.services import participant_close
from participants.models import ClosureReason, ClosureResult
from rattinsats.personnummer import format_canonical
from referrals import services
from referrals.models import Referral, week_monday
from tests.conftest import client_for
from tests.factories import ReferralFactory, referral_counsellor

pytestmark = pytest.mark.django_db

CALL = {"identity_verified": True, "informed_about_reporting": True}
END_STATUS = {
    "employment_status": EmploymentStatus.PAID_WORK,
    "income_source": IncomeSource.SALARY,
}


@pytest.fixture
def referrer(db):
    return referral_counsellor()


@pytest.fixture
def path(officer, owner):
    """Takes a new referral of ``referrer`` as far as asked, through the
    services: "ready", "allocated" (to the owner) or "accepted"."""

    def take(referrer, to: str, *, start_date=None, **kwargs) -> Referral:
        referral = ReferralFactory(referred_by=referrer, **kwargs)
        referral = services.referral_check(
            actor=officer, referral=referral, has_other_intervention=False, note="Ok"
        )
        if to == "ready":
            return referral
        services.meeting_allocate(
            actor=owner,
            week_start=week_monday(timezone.localdate()),
            assignments={referral.pk: owner},
        )
        referral.refresh_from_db()
        if to == "allocated":
            return referral
        return services.referral_information_call(
            actor=officer,
            referral=referral,
            wants_to_participate=True,
            start_date=start_date or timezone.localdate(),
            **CALL,
        )

    return take


def day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def moment(days_ago: int) -> datetime.datetime:
    """Noon, local time, on ``day(days_ago)``: the page shows a moment's
    local date, which for now less N days is the next day late in the
    evening when summer time lies between (UTC+2 then, UTC+1 now)."""
    return timezone.make_aware(datetime.datetime.combine(day(days_ago), datetime.time(12)))


def text_of(html: str) -> str:
    """The page's text with its markup and runs of white space gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_counsellor_sees_whom_they_referred_with_the_full_personnummer(referrer, path):
    waiting = ReferralFactory(referred_by=referrer, first_name="Maja", last_name="Följdsson")
    taken = path(referrer, "accepted", first_name="Omar", last_name="Antagensson")
    others = ReferralFactory(last_name="Annansson")
    html = client_for(referrer).get(reverse("referrals:mine")).content.decode()
    for referral in (waiting, taken):
        assert f"{referral.last_name}, {referral.first_name}" in html
        assert format_canonical(referral.personnummer) in html
        assert reverse("referrals:receipt", args=[referral.pk]) in html
    assert "****" not in html
    assert others.last_name not in html and format_canonical(others.personnummer) not in html

    receipt = client_for(referrer).get(reverse("referrals:receipt", args=[taken.pk]))
    page = text_of(receipt.content.decode())
    assert f"Omar Antagensson, {format_canonical(taken.personnummer)}" in page
    # Once accepted, what the counsellor wrote about the person stays out.
    assert taken.reason not in page


def test_nobody_else_among_the_counsellors_sees_them_nor_anyone_the_participant(referrer, path):
    taken = path(referrer, "accepted")
    other = client_for(referral_counsellor())
    assert other.get(reverse("referrals:receipt", args=[taken.pk])).status_code == 404
    assert taken.last_name not in other.get(reverse("referrals:mine")).content.decode()
    # Not even the counsellor who referred them opens the participant's record.
    detail = reverse("participants:detail", args=[taken.participant_id])
    assert client_for(referrer).get(detail).status_code == 404
    assert other.get(detail).status_code == 404


def test_it_shows_each_step_with_its_date_through_to_the_closure(referrer, owner, path):
    referral = path(referrer, "accepted", start_date=day(80))
    # Each step on a day of its own, so that each date is seen to come from
    # its own step.
    Referral.objects.filter(pk=referral.pk).update(
        created_at=moment(90), allocated_at=moment(85), call_at=moment(82), decided_at=moment(82)
    )
    participant = referral.participant
    journal_note_create(
        actor=owner,
        participant=participant,
        kind=JournalNote.Kind.JOURNAL,
        happened_on=day(20),
        text="Journaltext som anvisaren aldrig ser.",
    )
    client = client_for(referrer)
    page = text_of(client.get(reverse("referrals:mine")).content.decode())
    assert f"Mottagen {day(90):%Y-%m-%d}" in page
    assert f"Fördelad {day(85):%Y-%m-%d}" in page
    assert f"Informationssamtal {day(82):%Y-%m-%d} – Ja" in page
    assert f"Deltagare sedan {day(80):%Y-%m-%d}" in page
    assert "Antagen" in page and "Avslutad" not in page

    participant_close(
        actor=owner,
        participant=participant,
        closed_on=day(3),
        reason=ClosureReason.WORK,
        result=ClosureResult.NYSTARTSJOBB,
        note="Avslutskommentar som anvisaren aldrig ser.",
        **END_STATUS,
    )
    for url in (
        reverse("referrals:mine"),
        reverse("referrals:receipt", args=[referral.pk]),
    ):
        page = text_of(client.get(url).content.decode())
        assert f"Deltagare sedan {day(80):%Y-%m-%d}" in page
        assert f"Avslutad {day(3):%Y-%m-%d} – Orsak: Arbete" in page
        assert "Status: Avslutad" in page or "Avslutad Mottagen" in page
        # The reason's category, never the case: no result, note or journal.
        for secret in (
            "Nystartsjobb",
            "Avslutskommentar som anvisaren aldrig ser.",
            "Journaltext som anvisaren aldrig ser.",
        ):
            assert secret not in page


def test_it_shows_the_category_of_another_reason_never_the_reason_itself(referrer, owner, path):
    referral = path(referrer, "accepted", start_date=day(30))
    participant_close(
        actor=owner,
        participant=referral.participant,
        closed_on=day(0),
        reason=ClosureReason.OTHER,
        other_reason=OtherClosureReason.LONG_SICK_LEAVE,
        **END_STATUS,
    )
    page = text_of(client_for(referrer).get(reverse("referrals:mine")).content.decode())
    assert f"Avslutad {day(0):%Y-%m-%d} – Orsak: Övriga skäl" in page
    assert str(OtherClosureReason.LONG_SICK_LEAVE.label) not in page


def test_it_shows_a_return_with_its_date_and_reason(referrer, officer):
    referral = ReferralFactory(referred_by=referrer)
    services.referral_check(
        actor=officer, referral=referral, has_other_intervention=True, note="Deltar i KROM."
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=moment(4), returned_at=moment(2))
    for url in (
        reverse("referrals:mine"),
        reverse("referrals:receipt", args=[referral.pk]),
    ):
        page = text_of(client_for(referrer).get(url).content.decode())
        assert f"Mottagen {day(4):%Y-%m-%d}" in page
        assert f"Returnerad {day(2):%Y-%m-%d} – Skäl: Deltar i KROM." in page
        assert "Fördelad" not in page and "Deltagare sedan" not in page


def test_it_shows_a_declined_information_call(referrer, officer, path):
    referral = path(referrer, "allocated")
    services.referral_information_call(
        actor=officer, referral=referral, wants_to_participate=False, **CALL
    )
    page = text_of(client_for(referrer).get(reverse("referrals:mine")).content.decode())
    assert f"Informationssamtal {day(0):%Y-%m-%d} – Nej" in page
    assert "Tackade nej" in page and "Deltagare sedan" not in page


def test_the_list_keeps_its_query_count_whatever_the_referrals(
    referrer, owner, path, django_assert_max_num_queries
):
    def one_of_each():
        ReferralFactory(referred_by=referrer)
        path(referrer, "ready")
        path(referrer, "allocated")
        path(referrer, "accepted")
        closed = path(referrer, "accepted", start_date=day(40))
        participant_close(
            actor=owner,
            participant=closed.participant,
            closed_on=day(0),
            reason=ClosureReason.STUDIES,
            result=ClosureResult.CSN_STUDIES,
            **END_STATUS,
        )

    client = client_for(referrer)
    url = reverse("referrals:mine")
    one_of_each()
    client.get(url)
    # session, user, the user's organisation (header), the referrals with
    # their participations in one query, the unread notifications' count,
    # and the session's save (savepoint, update, release).
    with django_assert_max_num_queries(8):
        first = client.get(url)
    assert text_of(first.content.decode()).count("Deltagare sedan") == 2
    for _ in range(3):
        one_of_each()
    with django_assert_max_num_queries(8):
        more = client.get(url)
    page = text_of(more.content.decode())
    assert page.count("Deltagare sedan") == 8
    assert page.count("Orsak: Studier") == 4
