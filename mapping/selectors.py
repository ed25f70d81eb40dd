"""Reads of mapping and goal documents and of the goal-document overview."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from participants.models import Consent, Participant
from participants.selectors import participants_visible_to
from rattinsats.models import User

from .models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    StepwiseMove,
)
from .periods import PERIOD_COUNT


def mapping_document_for(participant: Participant) -> MappingDocument | None:
    return (
        MappingDocument.objects.select_related("updated_by").filter(participant=participant).first()
    )


def mapping_revisions_for(document: MappingDocument | None) -> list[MappingDocumentRevision]:
    if document is None:
        return []
    return list(document.revisions.select_related("changed_by"))


def goal_document_for(participant: Participant) -> GoalDocument | None:
    return GoalDocument.objects.select_related("updated_by").filter(participant=participant).first()


def moves_for(participant: Participant) -> dict[int, StepwiseMove]:
    return {
        move.period: move
        for move in participant.moves.select_related("category", "recorded_by").order_by("period")
    }


def goal_revisions_for(participant: Participant) -> list[GoalDocumentRevision]:
    return list(
        GoalDocumentRevision.objects.filter(participant=participant).select_related("changed_by")
    )


def goal_rows(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    """One row per participant with everything the goal-document workbook
    shows, in one query whatever the number of rows: the responsible and
    the goal document joined, the latest consent's end and the category of
    each period's move as subqueries."""
    latest_consent = (
        Consent.objects.filter(participant=OuterRef("pk"), withdrawn_at__isnull=True)
        .order_by("-valid_until")
        .values("valid_until")[:1]
    )
    moves = {
        f"move_{k}": Subquery(
            # At most one move per period: no ordering, which would join
            # the participant again for the model's default order.
            StepwiseMove.objects.filter(participant=OuterRef("pk"), period=k)
            .order_by()
            .values("category__name")[:1]
        )
        for k in range(1, PERIOD_COUNT + 1)
    }
    return participants.select_related("responsible", "goal_document").annotate(
        consent_valid_until=Subquery(latest_consent), **moves
    )


def goal_overview(
    user, *, responsible: User | None = None, status: str = ""
) -> QuerySet[Participant]:
    """The overview page's and the staff download's rows: the participants
    ``user`` may see, filtered."""
    qs = participants_visible_to(user)
    if responsible is not None:
        qs = qs.filter(responsible=responsible)
    if status:
        qs = qs.filter(status=status)
    return goal_rows(qs).order_by("last_name", "first_name", "id")


def goal_rows_among(pks) -> QuerySet[Participant]:
    """:func:`goal_rows` for the participants whose ids ``pks`` gives (a
    list or an id queryset already limited to what the user may see), in
    the overview's order."""
    return goal_rows(Participant.objects.filter(pk__in=pks)).order_by(
        "last_name", "first_name", "id"
    )


def responsibles_among(participants: QuerySet[Participant]) -> QuerySet[User]:
    """The staff members responsible for any of ``participants`` (the
    overview's filter choices)."""
    return User.objects.filter(pk__in=participants.values("responsible")).order_by(
        "first_name", "last_name", "username"
    )
