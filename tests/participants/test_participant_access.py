"""Who may open and change a participant: the permission rows of that one
participant, the user's own and their groups' (participants.selectors),
read once per page and never reused for another user or after a change."""

import pytest
from django.contrib.auth.models import Group
from django.http import Http404
from django.urls import reverse
from guardian.shortcuts import assign_perm

from participants.selectors import participant_get_for_user, user_can_change
from participants.services import grant_access, revoke_access
from rattinsats.audit import Action
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_the_responsible_may_open_and_change(owner, participant):
    found = participant_get_for_user(owner, participant.pk)
    assert found == participant
    assert user_can_change(owner, found)
    assert AuditEvent.objects.filter(
        user=owner, action=Action.VIEW, participant_id=participant.pk
    ).exists()


def test_anyone_else_gets_404_and_a_denied_event(teammate, participant):
    with pytest.raises(Http404):
        participant_get_for_user(teammate, participant.pk)
    assert AuditEvent.objects.filter(
        user=teammate, action=Action.DENIED, participant_id=participant.pk
    ).exists()
    with pytest.raises(Http404):
        participant_get_for_user(teammate, participant.pk + 1000)


def test_a_permission_on_another_participant_gives_nothing(owner, teammate, participant):
    other = ParticipantFactory(responsible=teammate)
    with pytest.raises(Http404):
        participant_get_for_user(owner, other.pk)
    assert not user_can_change(owner, other)


def test_a_group_may_share_viewing_without_changing(owner, teammate):
    shared = ParticipantFactory(responsible=teammate)
    group = Group.objects.create(name="Läsare")
    owner.groups.add(group)
    assign_perm("participants.view_participant", group, shared)
    found = participant_get_for_user(owner, shared.pk)
    assert not user_can_change(owner, found)
    response = client_for(owner).get(reverse("participants:detail", args=[shared.pk]))
    assert response.status_code == 200
    assign_perm("participants.change_participant", group, shared)
    assert user_can_change(owner, participant_get_for_user(owner, shared.pk))


def test_what_was_read_for_one_user_is_never_used_for_another(owner, teammate, participant):
    found = participant_get_for_user(owner, participant.pk)
    assert user_can_change(owner, found)
    assert not user_can_change(teammate, found)


def test_a_change_of_access_is_seen_at_once(owner, teammate, participant):
    found = participant_get_for_user(owner, participant.pk)
    assert user_can_change(owner, found)
    revoke_access(found, owner)
    assert not user_can_change(owner, found)
    grant_access(found, owner)
    assert user_can_change(owner, found)


def test_an_inactive_account_may_not_change_and_a_superuser_may(owner, participant):
    found = participant_get_for_user(owner, participant.pk)
    owner.is_active = False
    assert not user_can_change(owner, found)
    owner.is_active = True
    owner.is_superuser = True
    other = ParticipantFactory()
    assert user_can_change(owner, other)


def test_an_anonymised_participation_is_read_only(owner, participant):
    found = participant_get_for_user(owner, participant.pk)
    found.anonymised_at = found.created_at
    assert not user_can_change(owner, found)
