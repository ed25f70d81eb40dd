import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework.services import ConsentMissing, flag_create
from participants import selectors, services
from participants.models import Participant
from rattinsats.models import AuditEvent, Organisation
from tests.factories import ParticipantFactory


def test_it_creates_a_participant_with_canonical_personnummer_and_access(officer, owner):
    participant = services.participant_create(
        actor=officer,
        personnummer="19900101-9802",
        first_name=" Alva ",
        last_name="Testsson",
        gender="kvinna",
        start_date=timezone.localdate(),
        responsible=owner,
    )
    assert participant.personnummer == "199001019802"
    assert participant.first_name == "Alva"
    assert list(selectors.participants_visible_to(owner)) == [participant]
    assert list(selectors.participants_visible_to(officer)) == []
    assert AuditEvent.objects.filter(action="create", participant_id=participant.pk).count() == 1


def test_it_refuses_an_invalid_personnummer(officer, owner):
    with pytest.raises(ValidationError) as exc:
        services.participant_create(
            actor=officer,
            personnummer="19900101-9803",
            first_name="A",
            last_name="B",
            gender="kvinna",
            start_date=timezone.localdate(),
            responsible=owner,
        )
    assert "personnummer" in exc.value.message_dict
    assert not Participant.objects.exists()


def test_it_refuses_a_second_active_participation(officer, owner):
    first = ParticipantFactory(responsible=owner)
    with pytest.raises(ValidationError):
        services.participant_create(
            actor=officer,
            personnummer=first.personnummer,
            first_name="A",
            last_name="B",
            gender="kvinna",
            start_date=timezone.localdate(),
            responsible=owner,
        )
    assert Participant.objects.count() == 1


def test_it_refuses_writes_from_other_roles(counsellor, owner):
    with pytest.raises(PermissionDenied):
        services.participant_create(
            actor=counsellor,
            personnummer="19900101-9802",
            first_name="A",
            last_name="B",
            gender="kvinna",
            start_date=timezone.localdate(),
            responsible=owner,
        )


def test_it_hands_the_case_over_and_moves_the_access(owner, teammate, participant):
    services.participant_assign_responsible(
        actor=owner, participant=participant, responsible=teammate
    )
    assert list(selectors.participants_visible_to(teammate)) == [participant]
    assert list(selectors.participants_visible_to(owner)) == []


def test_it_shares_a_case_with_a_teammate_only(owner, teammate, counsellor, participant):
    with pytest.raises(ValidationError):
        services.participant_share(actor=owner, participant=participant, user=counsellor)
    services.participant_share(actor=owner, participant=participant, user=teammate)
    assert participant in selectors.participants_visible_to(teammate)
    assert participant in selectors.participants_visible_to(owner)


def test_it_knows_whether_a_consent_covers_an_organisation(owner, participant):
    today = timezone.localdate()
    af = Organisation.objects.get(kind="arbetsformedlingen")
    eb = Organisation.objects.get(kind="ekonomiskt_bistand")
    consent = services.consent_record(
        actor=owner,
        participant=participant,
        organisations=[af],
        signed_on=today - datetime.timedelta(days=5),
        valid_until=today + datetime.timedelta(days=5),
    )
    assert selectors.consent_covers(participant, af, today)
    assert not selectors.consent_covers(participant, eb, today)
    assert not selectors.consent_covers(participant, af, today + datetime.timedelta(days=6))
    services.consent_withdraw(actor=owner, consent=consent)
    assert not selectors.consent_covers(participant, af, today)


def test_it_refuses_a_consent_signed_in_the_future(owner, participant):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.consent_record(
            actor=owner,
            participant=participant,
            organisations=list(Organisation.objects.all()),
            signed_on=today + datetime.timedelta(days=1),
            valid_until=today + datetime.timedelta(days=10),
        )


def test_it_refuses_a_flag_without_consent_for_the_organisation(owner, participant):
    eb = Organisation.objects.get(kind="ekonomiskt_bistand")
    with pytest.raises(ConsentMissing):
        flag_create(actor=owner, participant=participant, organisation=eb, reason="Start")
    assert not participant.flags.exists()
    today = timezone.localdate()
    services.consent_record(
        actor=owner,
        participant=participant,
        organisations=[eb],
        signed_on=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    flag = flag_create(actor=owner, participant=participant, organisation=eb, reason="Start")
    assert flag.status == "open"
    assert AuditEvent.objects.filter(object_type="casework.flag", action="create").count() == 1
