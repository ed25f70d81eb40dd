"""The programme's results (product.md, the results contract).

One computation, :func:`results_compute`, feeds the JSON, the dashboard,
the workbook and the PDF, so that they cannot disagree. Everything is
counted in the database, in a fixed number of queries whatever the number
of participants: one for the contract's figures, and one each for delmål 4
per month and the before/after comparison when the dashboard asks for them.

Definitions (kept exactly as the contract states them):

- a participant *counts in the period* when the participation overlaps it:
  start ≤ ``to`` and (no end, or end ≥ ``from``);
- *self-support*: counted participants closed inside the period because of
  work or studies with a self-support result;
- a *move* of a category: a stepwise move of that category recorded for a
  three-month period that overlaps the report period (each person once per
  category); *övriga skäl*: counted participants closed for other reasons
  inside the period;
- *participants with a move*: counted participants with a move of one of
  the three move categories, or with a self-support result.
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass
from functools import cached_property, reduce
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from closure.models import EmploymentStatus, IncomeSource
from mapping.models import StepwiseMove
from participants.models import (
    SELF_SUPPORT_RESULTS,
    ClosureReason,
    ClosureResult,
    Gender,
    MonthStart,
    Participant,
)
from participants.periods import add_months

if TYPE_CHECKING:
    from rattinsats.models import Organisation, User

# The contract's keys, in the contract's order, with their Swedish labels.
SELF_SUPPORT_KEYS = [
    ClosureResult.CSN_STUDIES.value,
    ClosureResult.JOB_WITHOUT_SUPPORT.value,
    ClosureResult.EXTRATJANST.value,
    ClosureResult.LONEBIDRAG.value,
    ClosureResult.NYSTARTSJOBB.value,
    ClosureResult.INTROJOBB.value,
]
assert set(SELF_SUPPORT_KEYS) == {r.value for r in SELF_SUPPORT_RESULTS}  # noqa: S101

MOVE_KEYS = ["praktik_arbetsprovning", "arbets_studieformaga", "studier_annan_ersattning"]
OTHER_REASONS_KEY = "ovriga_skal"

LABELS = {
    ClosureResult.CSN_STUDIES.value: _("Studier med CSN"),
    ClosureResult.JOB_WITHOUT_SUPPORT.value: _("Jobb utan stöd"),
    ClosureResult.EXTRATJANST.value: _("Extratjänst"),
    ClosureResult.LONEBIDRAG.value: _("Lönebidrag"),
    ClosureResult.NYSTARTSJOBB.value: _("Nystartsjobb"),
    ClosureResult.INTROJOBB.value: _("Introjobb"),
    "praktik_arbetsprovning": _("Praktik/arbetsprövning"),
    "arbets_studieformaga": _("Arbets-/studieförmåga"),
    "studier_annan_ersattning": _("Studier med annan ersättning"),
    OTHER_REASONS_KEY: _("Övriga skäl"),
}

# Contract key for each gender.
GENDER_KEYS = {Gender.WOMAN.value: "women", Gender.MAN.value: "men", Gender.OTHER.value: "other"}
GENDER_LABELS = {"women": _("Kvinnor"), "men": _("Män"), "other": _("Annat")}

# The earliest and latest dates a filter may name: outside them a date is
# a typing mistake, not a report period.
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)


@dataclass(frozen=True)
class ResultsFilter:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    referring_organisation: Organisation | None = None
    responsible: User | None = None  # staff only


@dataclass
class Outcome:
    """One outcome row: its key, label, total and split by gender."""

    key: str
    label: str
    total: int
    by_gender: dict[str, int]


@dataclass
class Results:
    filters: ResultsFilter
    total: int
    by_gender: dict[str, int]
    self_support_total: int
    self_support_share: float
    self_support: list[Outcome]
    moves: list[Outcome]
    participants_with_move: int
    self_support_by_gender: dict[str, int]
    with_move_by_gender: dict[str, int]
    delmal_2_all_moved: bool
    delmal_3_share_target: float
    delmal_3_met: bool
    today: datetime.date

    @cached_property
    def active_per_month(self) -> list[tuple[datetime.date, int]]:
        """Delmål 4: (first day of month, active participants) over the
        programme."""
        return _active_per_month(self.filters, self.today)

    @cached_property
    def _before_after(self):
        return _before_after(self.filters)

    @property
    def before_after_count(self) -> int:
        """How many closed participations the before/after compares."""
        return self._before_after[0]

    @property
    def before_after(self) -> dict[str, list[tuple[str, str, int, int]]]:
        """{"employment_status": [(key, label, at start, at end)], ...}"""
        return self._before_after[1]

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    def as_contract(self) -> dict:
        """The JSON of the results contract, key for key, with exact figures
        (reports.protection hides what the steering group may not see)."""
        f = self.filters
        return {
            "period": {
                "from": f.date_from.isoformat() if f.date_from else None,
                "to": f.date_to.isoformat() if f.date_to else None,
            },
            "participants": {
                "total": self.total,
                **self.by_gender,
            },
            "self_support": {
                "total": self.self_support_total,
                "share": self.self_support_share,
                "by_category": {o.key: o.total for o in self.self_support},
            },
            "stepwise_moves": {
                "participants_with_move": self.participants_with_move,
                "by_category": {o.key: o.total for o in self.moves},
            },
            "goals": {
                "delmal_2_all_moved": self.delmal_2_all_moved,
                "delmal_3_share_target": self.delmal_3_share_target,
                "delmal_3_met": self.delmal_3_met,
            },
        }


class NoIndex(Func):
    """A column's value that SQLite's planner does not look up in an index
    (SQLite's unary ``+``, its documented way to keep a term off an index);
    elsewhere the column itself. For the results over a period of years
    SQLite otherwise ranged over the participants' (start date, end date)
    index, or skip-scanned it, and looked up each row it found there: at
    40,000 participants the figures took 480 ms against 260 ms reading the
    table through, and the before/after comparison 320 ms against 130 ms."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _counted(filters: ResultsFilter):
    """Participants counted in the period (and matching the other filters).
    The period is compared with the dates as values (:class:`NoIndex`), so
    that SQLite reads the table through rather than look up each row from
    the (start date, end date) index: a period of months or years holds
    most participations."""
    qs = Participant.objects.alias(started=NoIndex("start_date"), ended=NoIndex("end_date"))
    if filters.date_to is not None:
        qs = qs.filter(started__lte=filters.date_to)
    if filters.date_from is not None:
        qs = qs.filter(Q(ended__isnull=True) | Q(ended__gte=filters.date_from))
    if filters.referring_organisation is not None:
        qs = qs.filter(referring_organisation=filters.referring_organisation)
    if filters.responsible is not None:
        qs = qs.filter(responsible=filters.responsible)
    return qs


def _closed_in_period(filters: ResultsFilter, *, end: str = "end_date") -> Q:
    q = Q(**{"status": Participant.Status.CLOSED, f"{end}__isnull": False})
    if filters.date_from is not None:
        q &= Q(**{f"{end}__gte": filters.date_from})
    if filters.date_to is not None:
        q &= Q(**{f"{end}__lte": filters.date_to})
    return q


def _self_support(filters: ResultsFilter) -> Q:
    return _closed_in_period(filters) & Q(
        closure_reason__in=[ClosureReason.WORK, ClosureReason.STUDIES],
        closure_result__in=SELF_SUPPORT_KEYS,
    )


# Each move category's bit in a participant's move mask.
MOVE_BITS = {key: 1 << i for i, key in enumerate(MOVE_KEYS)}


def _moves_mask(filters: ResultsFilter) -> Subquery:
    """Per participant, which of the move categories they have a move of,
    recorded for a period overlapping the report period, as the sum of the
    categories' bits (:data:`MOVE_BITS`; NULL when none). One correlated
    subquery, answered from the moves' (participant, category, period)
    index; joining the moves instead would repeat each person once per
    move and force counting distinct ids."""
    moves = StepwiseMove.objects.filter(participant=OuterRef("pk"), category__code__in=MOVE_KEYS)
    if filters.date_to is not None:
        moves = moves.filter(period_start__lte=filters.date_to)
    if filters.date_from is not None:
        moves = moves.filter(period_end__gte=filters.date_from)
    bits = [
        Max(Case(When(category__code=key, then=Value(bit)), default=Value(0)))
        for key, bit in MOVE_BITS.items()
    ]
    mask = moves.order_by().values("participant").annotate(mask=reduce(operator.add, bits))
    return Subquery(mask.values("mask"), output_field=IntegerField())


def _outcome(filters: ResultsFilter) -> Case:
    """Per participant, the closure outcome the results count: the
    self-support result's key, :data:`OTHER_REASONS_KEY`, or "" (not
    closed in the period, or closed for work or studies without a
    self-support result)."""
    closed = _closed_in_period(filters)
    return Case(
        When(_self_support(filters), then=F("closure_result")),
        When(closed & Q(closure_reason=ClosureReason.OTHER), then=Value(OTHER_REASONS_KEY)),
        default=Value(""),
        output_field=CharField(),
    )


def _outcome_counts(filters: ResultsFilter) -> dict[str, dict[str, int]]:
    """Every outcome and move figure by gender, from one query grouped by
    gender, closure outcome and move mask (a few hundred groups at most,
    whatever the number of participants)."""
    keys = ["total", "self_support", "with_move", OTHER_REASONS_KEY, *SELF_SUPPORT_KEYS, *MOVE_KEYS]
    by_gender = {name: dict.fromkeys(keys, 0) for name in GENDER_KEYS.values()}
    groups = (
        _counted(filters)
        .annotate(outcome=_outcome(filters), move_mask=_moves_mask(filters))
        .values("gender", "outcome", "move_mask")
        .annotate(n=Count("id"))
        .order_by()
    )
    for group in groups:
        figures = by_gender[GENDER_KEYS.get(group["gender"], "other")]
        n, outcome, mask = group["n"], group["outcome"], group["move_mask"] or 0
        figures["total"] += n
        if outcome:
            figures[outcome] += n
        if outcome in SELF_SUPPORT_KEYS:
            figures["self_support"] += n
        for key, bit in MOVE_BITS.items():
            if mask & bit:
                figures[key] += n
        if mask or outcome in SELF_SUPPORT_KEYS:
            figures["with_move"] += n
    return by_gender


def _active_per_month(filters: ResultsFilter, today: datetime.date):
    """Delmål 4: participants active in each month, from the first start
    (or the period's start) to this month (or the period's end)."""
    base = _counted(
        ResultsFilter(
            referring_organisation=filters.referring_organisation,
            responsible=filters.responsible,
        )
    )
    # Count participations by (month of start, month of end): a few hundred
    # groups whatever the number of people. A participation is active in
    # month M when it started in M or before and did not end before M.
    groups = list(
        base.annotate(start_month=MonthStart("start_date"), end_month=MonthStart("end_date"))
        .values("start_month", "end_month")
        .annotate(n=Count("id"), first=Min("start_date"))
        .order_by()
    )
    if not groups:
        return []
    first = min(group["first"] for group in groups)
    first = max(first, filters.date_from or first)
    last = min(today, filters.date_to or today)
    if last < first:
        return []
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    active = dict.fromkeys(months, 0)
    for group in groups:
        began = group["start_month"]
        ended = group["end_month"]
        for month in months:
            if began <= month and (ended is None or ended >= month):
                active[month] += group["n"]
    return [(month, active[month]) for month in months]


def _before_after(filters: ResultsFilter):
    """Employment status and income source at the start and at the closure,
    for counted participants closed inside the period with both recorded:
    one query joining each person's two snapshots (one row per moment is a
    database constraint), grouped by the four values."""
    rows = (
        _counted(filters)
        .filter(_closed_in_period(filters, end="ended"))
        .annotate(
            at_start=FilteredRelation(
                "status_snapshots", condition=Q(status_snapshots__moment="start")
            ),
            at_end=FilteredRelation(
                "status_snapshots", condition=Q(status_snapshots__moment="end")
            ),
        )
        .filter(at_start__isnull=False, at_end__isnull=False)
        .values(
            "at_start__employment_status",
            "at_start__income_source",
            "at_end__employment_status",
            "at_end__income_source",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    employment = {key: {"start": 0, "end": 0} for key in EmploymentStatus.values}
    income = {key: {"start": 0, "end": 0} for key in IncomeSource.values}
    people = 0
    for row in rows:
        n = row["n"]
        for moment in ("start", "end"):
            employment[row[f"at_{moment}__employment_status"]][moment] += n
            income[row[f"at_{moment}__income_source"]][moment] += n
        people += n
    return people, {
        "employment_status": [
            (key, label, employment[key]["start"], employment[key]["end"])
            for key, label in EmploymentStatus.choices
        ],
        "income_source": [
            (key, label, income[key]["start"], income[key]["end"])
            for key, label in IncomeSource.choices
        ],
    }


def results_compute(filters: ResultsFilter | None = None, *, today=None) -> Results:
    """The results for ``filters``: the contract's figures from one query
    (:func:`_outcome_counts`). Delmål 4 per month and the before/after
    comparison, which only the dashboard and its exports show, are read
    when first asked for, one query each."""
    filters = filters or ResultsFilter()
    today = today or timezone.localdate()
    by_gender = _outcome_counts(filters)

    def total(key):
        return sum(g[key] for g in by_gender.values())

    def outcome(key):
        return Outcome(
            key=key,
            label=str(LABELS[key]),
            total=total(key),
            by_gender={g: by_gender[g][key] for g in GENDER_KEYS.values()},
        )

    participants = total("total")
    self_support_total = total("self_support")
    share = round(self_support_total / participants, 4) if participants else 0
    target = settings.RATTINSATS_DELMAL_3_SHARE_TARGET
    with_move = total("with_move")
    return Results(
        filters=filters,
        total=participants,
        by_gender={g: by_gender[g]["total"] for g in GENDER_KEYS.values()},
        self_support_total=self_support_total,
        self_support_share=share,
        self_support=[outcome(key) for key in SELF_SUPPORT_KEYS],
        moves=[outcome(key) for key in [*MOVE_KEYS, OTHER_REASONS_KEY]],
        participants_with_move=with_move,
        self_support_by_gender={g: by_gender[g]["self_support"] for g in GENDER_KEYS.values()},
        with_move_by_gender={g: by_gender[g]["with_move"] for g in GENDER_KEYS.values()},
        delmal_2_all_moved=participants > 0 and with_move == participants,
        delmal_3_share_target=target,
        delmal_3_met=participants > 0 and share >= target,
        today=today,
    )
