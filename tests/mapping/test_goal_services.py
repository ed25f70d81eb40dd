"""Services of the mapping document, the goal document and the moves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mapping import services
from mapping.models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    StepwiseMove,
)
from participants.periods import add_months, period_bounds
from rattinsats.models import AuditEvent
from tests.factories import ParticipantFactory, StepwiseMoveFactory, move_category


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def test_it_saves_the_mapping_document_with_a_revision_and_an_audit_event(owner, participant):
    document = services.mapping_document_save(
        actor=owner,
        participant=participant,
        version=0,
        education_experience="Gymnasium, lager",
        languages="Svenska, arabiska",
        goal="Arbete inom lager",
        delmal_1="Gå ut på en promenad varje dag",
    )
    assert document.version == 1
    assert document.updated_by == owner
    revision = MappingDocumentRevision.objects.get(document=document)
    assert revision.changed_by == owner
    assert revision.data["languages"] == "Svenska, arabiska"
    assert set(revision.changed_fields) == {
        "education_experience",
        "languages",
        "goal",
        "delmal_1",
    }
    assert (
        AuditEvent.objects.filter(
            action="change", object_type="mapping.mappingdocument", participant_id=participant.pk
        ).count()
        == 1
    )


def test_it_keeps_every_mapping_revision_over_several_meetings(owner, teammate, participant):
    services.mapping_document_save(actor=owner, participant=participant, version=0, languages="A")
    from participants.services import participant_share

    participant_share(actor=owner, participant=participant, user=teammate)
    services.mapping_document_save(
        actor=teammate, participant=participant, version=1, languages="A, B", licences="B-körkort"
    )
    revisions = list(MappingDocumentRevision.objects.order_by("version"))
    assert [r.version for r in revisions] == [1, 2]
    assert [r.changed_by for r in revisions] == [owner, teammate]
    assert revisions[1].changed_fields == ["licences", "languages"]
    assert revisions[0].data["languages"] == "A"


def test_it_carries_the_mapping_goal_over_to_an_empty_goal_document(owner, participant):
    services.mapping_document_save(
        actor=owner, participant=participant, version=0, goal="Lagerjobb", delmal_2="Körkort"
    )
    goal = GoalDocument.objects.get(participant=participant)
    assert goal.goal == "Lagerjobb"
    assert goal.delmal_2 == "Körkort" and goal.delmal_2_status == "pagaende"
    # Once the goal document has a goal, later mapping saves leave it alone.
    services.mapping_document_save(actor=owner, participant=participant, version=1, goal="Annat")
    goal.refresh_from_db()
    assert goal.goal == "Lagerjobb"


def test_it_refuses_a_mapping_save_over_a_newer_version(owner, participant):
    services.mapping_document_save(actor=owner, participant=participant, version=0, languages="A")
    with pytest.raises(services.StaleVersion) as exc:
        services.mapping_document_save(
            actor=owner, participant=participant, version=0, languages="B"
        )
    assert "har ändrats av" in exc.value.messages[0]
    assert MappingDocument.objects.get().languages == "A"
    assert MappingDocumentRevision.objects.count() == 1


def test_it_refuses_writes_from_staff_without_access(teammate, participant):
    with pytest.raises(PermissionDenied):
        services.mapping_document_save(actor=teammate, participant=participant, version=0)
    with pytest.raises(PermissionDenied):
        services.goal_document_save(actor=teammate, participant=participant, version=0, goal="x")
    with pytest.raises(PermissionDenied):
        services.move_record(
            actor=teammate,
            participant=participant,
            period=1,
            category=move_category("praktik_arbetsprovning"),
        )
    assert not GoalDocument.objects.exists() and not StepwiseMove.objects.exists()


def test_it_revises_the_goal_document_and_keeps_the_history(owner, participant):
    services.goal_document_save(
        actor=owner,
        participant=participant,
        version=0,
        goal="Arbete",
        delmal_1="Promenad",
        delmal_1_status="pagaende",
        employment_subsidy="Lönebidrag",
        consent_renewal_on=datetime.date(2027, 1, 31),
    )
    document = services.goal_document_save(
        actor=owner, participant=participant, version=1, delmal_1_status="uppnatt"
    )
    assert document.version == 2
    document.refresh_from_db()
    assert document.delmal_1_status == "uppnatt" and document.goal == "Arbete"
    history = list(GoalDocumentRevision.objects.order_by("id"))
    assert [h.version for h in history] == [1, 2]
    assert history[0].data["consent_renewal_on"] == "2027-01-31"
    assert history[1].changed_fields == ["delmal_1_status"]
    assert history[0].data["delmal_1_status"] == "pagaende"


def test_it_refuses_a_stale_goal_document_save_and_overwrites_nothing(owner, participant):
    services.goal_document_save(actor=owner, participant=participant, version=0, goal="Först")
    with pytest.raises(services.StaleVersion) as exc:
        services.goal_document_save(actor=owner, participant=participant, version=0, goal="Sen")
    assert exc.value.current.goal == "Först"
    assert GoalDocument.objects.get().goal == "Först"
    assert GoalDocumentRevision.objects.count() == 1


def test_it_records_a_move_with_the_period_dates(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(100))
    category = move_category("arbets_studieformaga")
    move = services.move_record(
        actor=owner, participant=participant, period=2, category=category, note="Arbetsprövning"
    )
    assert (move.period_start, move.period_end) == period_bounds(participant.start_date, 2)
    assert move.recorded_by == owner
    assert AuditEvent.objects.filter(action="create", object_type="mapping.stepwisemove").exists()
    revision = GoalDocumentRevision.objects.get(kind="move")
    assert revision.data == {
        "period": 2,
        "category": "Arbets-/studieförmåga",
        "note": "Arbetsprövning",
    }


def test_it_replaces_a_period_s_move_and_keeps_the_earlier_one_in_history(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(10))
    services.move_record(
        actor=owner,
        participant=participant,
        period=1,
        category=move_category("forberedande_mot_arbete"),
    )
    services.move_record(
        actor=owner,
        participant=participant,
        period=1,
        category=move_category("praktik_arbetsprovning"),
    )
    assert StepwiseMove.objects.get().category.code == "praktik_arbetsprovning"
    categories = [
        r.data["category"] for r in GoalDocumentRevision.objects.filter(kind="move").order_by("id")
    ]
    assert categories == ["Förberedande mot arbete", "Praktik/arbetsprövning"]


def test_it_refuses_a_move_for_a_period_that_has_not_begun(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(10))
    with pytest.raises(ValidationError) as exc:
        services.move_record(
            actor=owner,
            participant=participant,
            period=2,
            category=move_category("praktik_arbetsprovning"),
        )
    assert "har inte börjat" in exc.value.message_dict["period"][0]


def test_it_refuses_a_move_for_a_period_after_the_end_date(owner):
    start = days_ago(400)
    participant = ParticipantFactory(responsible=owner, start_date=start)
    participant.status, participant.end_date = "avslutad", add_months(start, 4)
    participant.save()
    category = move_category("praktik_arbetsprovning")
    services.move_record(actor=owner, participant=participant, period=2, category=category)
    with pytest.raises(ValidationError) as exc:
        services.move_record(actor=owner, participant=participant, period=3, category=category)
    assert "efter slutdatumet" in exc.value.message_dict["period"][0]


def test_it_requires_a_reason_for_continuing_after_month_12(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(400))
    category = move_category("studier_annan_ersattning")
    with pytest.raises(ValidationError) as exc:
        services.move_record(actor=owner, participant=participant, period=5, category=category)
    assert "motivering till fortsättning" in exc.value.message_dict["period"][0]
    services.goal_document_save(
        actor=owner, participant=participant, version=0, continuation_reason="Behöver mer tid"
    )
    move = services.move_record(actor=owner, participant=participant, period=5, category=category)
    assert move.period == 5


def test_it_refuses_an_inactive_category(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(10))
    category = move_category("praktik_arbetsprovning")
    category.active = False
    category.save()
    with pytest.raises(ValidationError):
        services.move_record(actor=owner, participant=participant, period=1, category=category)


def test_the_move_factory_uses_the_period_dates(owner):
    participant = ParticipantFactory(responsible=owner, start_date=days_ago(200))
    move = StepwiseMoveFactory(participant=participant, period=2)
    assert (move.period_start, move.period_end) == period_bounds(participant.start_date, 2)


def test_it_writes_nothing_when_nothing_changed(owner, participant):
    services.goal_document_save(actor=owner, participant=participant, version=0, goal="Samma")
    document = services.goal_document_save(
        actor=owner, participant=participant, version=1, goal="Samma"
    )
    assert document.version == 1
    assert GoalDocumentRevision.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="mapping.goaldocument").count() == 1
