"""The access-log review and referrals: a counsellor following their own
referral after it became a participation is not an unassigned read; any
other read of a participant one is not assigned to still is."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.access_review import access_review
from rattinsats.models import AuditEvent
from referrals import services
from referrals.models import Referral, week_monday
from tests.conftest import client_for
from tests.factories import ParticipantFactory, ReferralFactory, referral_counsellor

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(officer, owner):
    """A referral of its own counsellor, accepted: the participant's
    responsible is the owner."""
    referral = ReferralFactory(referred_by=referral_counsellor())
    services.referral_check(
        actor=officer, referral=referral, has_other_intervention=False, note="Ok"
    )
    services.meeting_allocate(
        actor=owner, week_start=week_monday(timezone.localdate()), assignments={referral.pk: owner}
    )
    return services.referral_information_call(
        actor=officer,
        referral=referral,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=timezone.localdate(),
    )


def review():
    today = timezone.localdate()
    rows, summaries = access_review(start=today - datetime.timedelta(days=1), end=today)
    return {(r.user.pk, r.participant_id): r for r in rows}, {s.user.pk: s for s in summaries}


def test_a_counsellor_opening_their_own_referrals_receipt_is_not_flagged(accepted):
    counsellor = accepted.referred_by
    for _ in range(2):
        response = client_for(counsellor).get(reverse("referrals:receipt", args=[accepted.pk]))
        assert response.status_code == 200
    # The receipt's read is a view of the referral that names the participant.
    event = AuditEvent.objects.filter(user=counsellor, action="view").latest("pk")
    assert event.object_type == "referrals.referral"
    assert event.participant_id == accepted.participant_id

    rows, summaries = review()
    row = rows[(counsellor.pk, accepted.participant_id)]
    assert row.reads == 2
    assert row.assigned and row.own_referral
    assert summaries[counsellor.pk].unassigned_reads == 0


def test_the_page_does_not_highlight_it(accepted, administrator):
    counsellor = accepted.referred_by
    client_for(counsellor).get(reverse("referrals:receipt", args=[accepted.pk]))
    today = timezone.localdate()
    response = client_for(administrator).get(
        reverse("operations:access_review"),
        {"start": (today - datetime.timedelta(days=1)).isoformat(), "end": today.isoformat()},
    )
    (row,) = [r for r in response.context["rows"] if r.user == counsellor]
    assert row.assigned
    assert 'class="table-warning"' not in response.content.decode()


def test_any_other_read_of_a_participant_one_is_not_assigned_to_still_is(
    accepted, officer, administrator
):
    counsellor = accepted.referred_by
    client_for(counsellor).get(reverse("referrals:receipt", args=[accepted.pk]))
    # The same counsellor's read of the participant itself (recorded
    # directly: the page answers them 404), and of someone they did not refer.
    stranger = ParticipantFactory()
    for participant_id in (accepted.participant_id, stranger.pk):
        AuditEvent.objects.create(
            user=counsellor,
            action="view",
            object_type="participants.participant",
            object_id=str(participant_id),
            participant_id=participant_id,
        )
    # Another counsellor's read of the referral (recorded directly: the
    # receipt answers them 404).
    other = referral_counsellor()
    AuditEvent.objects.create(
        user=other,
        action="view",
        object_type="referrals.referral",
        object_id=str(accepted.pk),
        participant_id=accepted.participant_id,
    )
    # The employment officer opening the referral of a participant that is
    # not theirs.
    client_for(officer).get(reverse("referrals:detail", args=[accepted.pk]))

    rows, summaries = review()
    mixed = rows[(counsellor.pk, accepted.participant_id)]
    assert mixed.reads == 2 and not mixed.assigned and not mixed.own_referral
    assert not rows[(counsellor.pk, stranger.pk)].assigned
    assert not rows[(other.pk, accepted.participant_id)].assigned
    assert not rows[(officer.pk, accepted.participant_id)].assigned
    assert summaries[counsellor.pk].unassigned_reads == 3
    # The responsible's own reads stay assigned.
    client_for(accepted.responsible).get(
        reverse("participants:detail", args=[accepted.participant_id])
    )
    rows, _summaries = review()
    assert rows[(accepted.responsible.pk, accepted.participant_id)].assigned


def test_it_keeps_its_query_count_with_referral_reads(
    accepted, administrator, django_assert_num_queries
):
    client_for(accepted.referred_by).get(reverse("referrals:receipt", args=[accepted.pk]))
    today = timezone.localdate()
    period = {"start": (today - datetime.timedelta(days=1)).isoformat(), "end": today.isoformat()}
    admin_client = client_for(administrator)
    admin_client.get(reverse("operations:access_review"), period)
    # As without referral reads (test_access_review.py): who referred each
    # participant comes joined to the participants' query.
    with django_assert_num_queries(9):
        admin_client.get(reverse("operations:access_review"), period)
    assert Referral.objects.filter(participant__isnull=False).count() == 1
