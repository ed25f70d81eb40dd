"""Reads of mapping and goal documents and of the goal-document overview."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import QuerySet

from participants.models import Participant, PersonDisplayMixin
from participants.selectors import (
    latest_consent_end,
    participants_may_view,
    participants_visible_for_pages,
    participants_visible_to,
)
from rattinsats.compiled import compiled_rows
from rattinsats.models import CASEWORK_ROLES, User, user_name
from rattinsats.user_lists import kept_while_users_unchanged

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
        padded = _padded(chunk)
        rows = compiled_rows(("goal-rows", len(padded)), _goal_rows_query, padded)
        by_pk = {values[0]: values for values in rows}
        yield from _complete([by_pk[pk] for pk in chunk if pk in by_pk])


def _goal_rows_query(pks: list[int]) -> QuerySet:
    return _row_values(Participant.objects.filter(pk__in=pks).order_by())


def _padded(pks: list[int]) -> list[int]:
    """``pks`` (not empty) padded with the first again to a power of two,
    at least 8: a query of ``pk IN`` them is then compiled once a process
    for each such length (:mod:`rattinsats.compiled`)."""
    size = max(8, 1 << (len(pks) - 1).bit_length())
    return pks + [pks[0]] * (size - len(pks))


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
    if not moves:
        return
    padded = _padded(list(moves))
    for pk, period, name in compiled_rows(("goal-row-moves", len(padded)), _moves_query, padded):
        moves[pk][period] = name
    for values in chunk:
        yield GoalRow(values, moves[values[0]])


def _moves_query(pks: list[int]) -> QuerySet:
    return (
        StepwiseMove.objects.filter(participant_id__in=pks)
        .order_by()
        .values_list("participant", "period", "category__name")
    )


def goal_overview(
    user, *, responsible_id: int | None = None, status: str = ""
) -> QuerySet[Participant]:
    """The participants of the staff download: those ``user`` may see,
    filtered, in the overview's order. Their rows come from
    :func:`goal_rows_of`. The page reads a page at a time
    (:func:`overview_page`)."""
    return _filtered(participants_visible_to(user), responsible_id, status).order_by(
        *OVERVIEW_ORDER
    )


def _filtered(qs: QuerySet[Participant], responsible_id: int | None, status: str):
    if responsible_id is not None:
        qs = qs.filter(responsible_id=responsible_id)
    if status:
        qs = qs.filter(status=status)
    return qs


# The overview's order, that of the participants' name index.
OVERVIEW_ORDER = ("last_name", "first_name", "id")
_TABLE = Participant._meta.db_table
_ROW_KEY = f'("{_TABLE}"."last_name", "{_TABLE}"."first_name", "{_TABLE}"."id")'


@dataclass(frozen=True)
class OverviewPage:
    """One page of the overview: its participants' ids in order; the
    number of rows of the filter when the user may see few participants
    (None otherwise: counting would cost what the rows cost), and
    ``more`` when the user sees more than :data:`FEW_VISIBLE` unfiltered;
    and the ids to read the pages before (``?fore=``) and after
    (``?efter=``) from, or None at either end."""

    pks: list[int]
    count: int | None
    more: bool
    previous_from: int | None
    next_from: int | None


def _beyond(qs: QuerySet[Participant], sign: str, key: tuple) -> QuerySet[Participant]:
    """The rows after (``>``) or before (``<``) ``key`` (last name, first
    name, id) in the overview's order: one row-value comparison, which
    both databases answer from the name index."""
    return qs.extra(where=[f"{_ROW_KEY} {sign} (%s, %s, %s)"], params=list(key))  # noqa: S610 - fixed SQL, values as parameters


# The page's queries, each from rows (those the user may see, filtered or
# not) and values: values_list querysets, so that they can be compiled once
# a process (_PageRows).
def _key_of(rows, anchor: int, *, size: int) -> QuerySet:
    return rows.filter(pk=anchor).values_list(*OVERVIEW_ORDER)[:1]


def _first_rows(rows, *, size: int) -> QuerySet:
    return rows.order_by(*OVERVIEW_ORDER).values_list(*OVERVIEW_ORDER)[: size + 1]


def _rows_from_letter(rows, letter: str, *, size: int) -> QuerySet:
    return _first_rows(rows.filter(last_name__gte=letter), size=size)


def _rows_after(rows, *key, size: int) -> QuerySet:
    return _first_rows(_beyond(rows, ">", key), size=size)


def _rows_before(rows, *key, size: int) -> QuerySet:
    backwards = [f"-{name}" for name in OVERVIEW_ORDER]
    return _beyond(rows, "<", key).order_by(*backwards).values_list(*OVERVIEW_ORDER)[: size + 1]


def _any_after(rows, *key, size: int) -> QuerySet:
    return _beyond(rows, ">", key).order_by().values_list("pk")[:1]


def _any_before(rows, *key, size: int) -> QuerySet:
    return _beyond(rows, "<", key).order_by().values_list("pk")[:1]


class _PageRows:
    """The page's queries for ``user`` and the filter. When the user sees
    many participants (each row checked along the index), compiled once a
    process (rattinsats.compiled): their SQL is then the same for every
    such user, and building it through the ORM cost more than running it.
    When few, through the ORM (guardian's query of the user's objects)."""

    def __init__(self, user, responsible_id: int | None, status: str, size: int):
        self.visible = participants_visible_for_pages(user)
        self.responsible_id, self.status, self.size = responsible_id, status, size

    @functools.cached_property
    def rows(self) -> QuerySet[Participant]:
        return _filtered(self.visible.rows, self.responsible_id, self.status)

    def read(self, query, *values, filtered: bool = True) -> list[tuple]:
        """The rows of ``query`` on the rows the filter keeps (or on all
        that the user may see: not ``filtered``), with ``values``."""
        if self.visible.many is None:
            rows = self.rows if filtered else self.visible.rows
            return list(query(rows, *values, size=self.size))
        user_pk, permission_id, groups = self.visible.many
        filters: dict[str, int | str] = {}
        if filtered and self.responsible_id is not None:
            filters["responsible_id"] = self.responsible_id
        if filtered and self.status:
            filters["status"] = self.status
        names = tuple(filters)
        return compiled_rows(
            ("overview-page", query.__name__, self.size, groups, names),
            functools.partial(_compiled_page_query, query, self.size, groups, names),
            user_pk,
            permission_id,
            *filters.values(),
            *values,
        )


def _compiled_page_query(
    query, size: int, groups: bool, names: tuple[str, ...], user_pk, permission_id, *rest
) -> QuerySet:
    # The filters named in ``names`` come first among the values.
    filters = dict(zip(names, rest[: len(names)], strict=True))
    visible = participants_may_view(user_pk, permission_id, groups)
    rows = _filtered(visible, filters.get("responsible_id"), filters.get("status", ""))
    return query(rows, *rest[len(names) :], size=size)


def overview_page(
    user,
    *,
    responsible_id: int | None = None,
    status: str = "",
    after: int | None = None,
    before: int | None = None,
    letter: str = "",
    size: int = 50,
) -> OverviewPage:
    """A page of the goal-document overview, read from a row (keyset
    pagination): the first page; the page after the row ``after`` or
    before the row ``before`` (ids of rows ``user`` may see; another id
    gives the first page); or the first page from the last name
    ``letter``. No OFFSET, and no count of many rows: a page costs the
    same at row 40 as at row 40,000, and whatever the number of
    participants."""
    read = _PageRows(user, responsible_id, status, size)
    anchor = after or before
    # The starting row where the user may see it; it may be outside the filter.
    found_key = read.read(_key_of, anchor, filtered=False) if anchor else []
    key = found_key[0] if found_key else None
    if key is not None and before:
        found = read.read(_rows_before, *key)
        earlier = len(found) > size
        page = found[:size][::-1]
        # The starting row itself may be outside the filter.
        later = bool(page) and bool(read.read(_any_after, *page[-1]))
    else:
        if key is not None:
            found = read.read(_rows_after, *key)
        elif letter:
            found = read.read(_rows_from_letter, letter)
        else:
            found = read.read(_first_rows)
        later = len(found) > size
        page = found[:size]
        earlier = (
            bool(page)
            and (key is not None or bool(letter))
            and bool(read.read(_any_before, *page[0]))
        )
    return OverviewPage(
        pks=[row[2] for row in page],
        count=read.rows.order_by().count() if read.visible.few else None,
        more=not read.visible.few and responsible_id is None and not status,
        previous_from=page[0][2] if page and earlier else None,
        next_from=page[-1][2] if page and later else None,
    )


def overview_responsibles() -> QuerySet[User]:
    """The staff members the overview can be filtered by: everyone with a
    project-staff role, those who have left included (participants may
    still be theirs). The choice follows the number of staff, never the
    number of participants."""
    return User.objects.filter(role__in=CASEWORK_ROLES).order_by(
        "first_name", "last_name", "username"
    )


def overview_responsible_names() -> tuple[tuple[int, str, bool], ...]:
    """(id, name as ``str(user)`` gives it, active) of
    :func:`overview_responsibles`, without making a user of each row. Kept
    by each process until a user changes (rattinsats.user_lists): the
    overview shows the list on every page, and a page then reads one
    cache row instead of one row for each staff member."""
    return kept_while_users_unchanged("overview-responsibles", _responsible_names)


def _responsible_names() -> tuple[tuple[int, str, bool], ...]:
    rows = compiled_rows("overview-responsibles", _responsible_rows)
    return tuple(
        (pk, user_name(first, last, username), active) for pk, first, last, username, active in rows
    )


def _responsible_rows() -> QuerySet:
    # Compiled once a process (rattinsats.compiled): the overview's filter
    # shows the list on every page.
    return overview_responsibles().values_list(
        "pk", "first_name", "last_name", "username", "is_active"
    )
