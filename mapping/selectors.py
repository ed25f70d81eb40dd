"""Reads of mapping and goal documents and of the goal-document overview."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from itertools import islice

from django.db.models import Exists, OuterRef, QuerySet

from participants.models import Participant, PersonDisplayMixin
from participants.selectors import (
    latest_consent_end,
    participants_visible_filter,
    participants_visible_to,
)
from rattinsats.models import User

from .models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    StepwiseMove,
)


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


# What a row of the goal-document workbook reads from the participant, its
# responsible and its goal document, as names of attributes on GoalRow.
GOAL_ROW_FIELDS = {
    "pk": "pk",  # first: the rows are keyed by it
    "personnummer": "personnummer",
    "first_name": "first_name",
    "last_name": "last_name",
    "gender": "gender",
    "responsible_username": "responsible__username",
    "start_date": "start_date",
    "end_date": "end_date",
    "closure_reason": "closure_reason",
    "closure_result": "closure_result",
    "target_group": "target_group",
    "sus_consent": "sus_consent",
    "anonymised_at": "anonymised_at",
    **{
        name: f"goal_document__{name}"
        for name in (
            "goal",
            "delmal_1",
            "delmal_2",
            "delmal_3",
            "continuation_reason",
            "employment_subsidy",
            "other",
            "consent_renewal_on",
        )
    },
    "consent_valid_until": "consent_valid_until",  # annotated: latest_consent_end
}
GOAL_ROW_CHUNK = 1000


class GoalRow(PersonDisplayMixin):
    """One participant's row of the goal-document workbook: plain values
    (no model instances; the latest unwithdrawn consent's end among them,
    ``consent_valid_until``) and the category name of each period's move
    (``moves``, period → name). Shows the person as a participant does."""

    # Set from GOAL_ROW_FIELDS in __init__; the goal document's values are
    # None for a participant without one.
    pk: int
    personnummer: str
    first_name: str
    last_name: str
    gender: str
    responsible_username: str | None
    start_date: datetime.date
    end_date: datetime.date | None
    closure_reason: str
    closure_result: str
    target_group: str
    sus_consent: bool
    anonymised_at: datetime.datetime | None
    goal: str | None
    delmal_1: str | None
    delmal_2: str | None
    delmal_3: str | None
    continuation_reason: str | None
    employment_subsidy: str | None
    other: str | None
    consent_renewal_on: datetime.date | None
    consent_valid_until: datetime.date | None

    def __init__(self, values: tuple, moves: dict[int, str]):
        # ``values`` in the order of GOAL_ROW_FIELDS.
        self.__dict__.update(zip(GOAL_ROW_FIELDS, values, strict=True))
        self.moves = moves

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


def goal_rows(pks) -> Iterator[GoalRow]:
    """The workbook's rows of the participants ``pks`` (ids, in the order
    wanted; the overview's page), chunk by chunk: per chunk of
    :data:`GOAL_ROW_CHUNK` one query for the participants with their
    responsible, goal document and latest consent, then the one of
    :func:`_complete`. An id whose participant has gone since is left
    out."""
    pks = list(pks)
    for first in range(0, len(pks), GOAL_ROW_CHUNK):
        chunk = pks[first : first + GOAL_ROW_CHUNK]
        by_pk = {
            values[0]: values
            for values in _row_values(Participant.objects.filter(pk__in=chunk).order_by())
        }
        yield from _complete([by_pk[pk] for pk in chunk if pk in by_pk])


def goal_rows_of(participants: QuerySet[Participant]) -> Iterator[GoalRow]:
    """The workbook's rows of ``participants`` in the queryset's order (the
    export): one query streams the participants, read
    :data:`GOAL_ROW_CHUNK` rows at a time, and each chunk makes the one of
    :func:`_complete`. Memory stays flat whatever the number of rows."""
    stream = _row_values(participants).iterator(chunk_size=GOAL_ROW_CHUNK)
    while chunk := list(islice(stream, GOAL_ROW_CHUNK)):
        yield from _complete(chunk)


def _row_values(participants: QuerySet[Participant]) -> QuerySet:
    """``participants`` as tuples in the order of GOAL_ROW_FIELDS."""
    return participants.annotate(consent_valid_until=latest_consent_end()).values_list(
        *GOAL_ROW_FIELDS.values()
    )


def _complete(chunk: list[tuple]) -> Iterator[GoalRow]:
    """The rows of ``chunk`` (values in the order of GOAL_ROW_FIELDS) with
    their moves: one query whatever the number of rows."""
    moves: dict[int, dict[int, str]] = {values[0]: {} for values in chunk}
    for pk, period, name in (
        StepwiseMove.objects.filter(participant_id__in=list(moves))
        .order_by()
        .values_list("participant", "period", "category__name")
    ):
        moves[pk][period] = name
    for values in chunk:
        yield GoalRow(values, moves[values[0]])


def goal_overview(
    user, *, responsible: User | None = None, status: str = ""
) -> QuerySet[Participant]:
    """The participants of the overview page and the staff download: those
    ``user`` may see, filtered, in the overview's order. Their rows come
    from :func:`goal_rows` (a page) or :func:`goal_rows_of` (all)."""
    qs = participants_visible_to(user)
    if responsible is not None:
        qs = qs.filter(responsible=responsible)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("last_name", "first_name", "id")


def responsibles_visible_to(user) -> QuerySet[User]:
    """The staff members responsible for any participant ``user`` may see
    (the overview's filter choices), as :func:`responsibles_among` of
    :func:`participants_visible_to` gives them, but asked per staff member:
    one EXISTS on the participants' (responsible, status) index with the
    permission check of the first rows found, so that the cost follows the
    number of staff, not the number of participants ``user`` may see."""
    visible = Participant.objects.filter(
        participants_visible_filter(user), responsible=OuterRef("pk")
    )
    return User.objects.filter(Exists(visible)).order_by("first_name", "last_name", "username")


def responsibles_among(participants: QuerySet[Participant]) -> QuerySet[User]:
    """The staff members responsible for any of ``participants`` (the
    overview's filter choices)."""
    return User.objects.filter(pk__in=participants.values("responsible")).order_by(
        "first_name", "last_name", "username"
    )
