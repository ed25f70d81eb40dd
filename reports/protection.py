"""Which of the results' figures the steering group sees (README, *Results*:
statistical disclosure control).

Project staff, the employment officer and administrators see every figure
exactly. The steering group, when ``RATTINSATS_SMALL_CELL_THRESHOLD`` (or
``RATTINSATS_MIN_COHORT``) is set, sees:

- nothing but a message for a cohort (the participants counted under the
  chosen period and organisation) of 1 to ``min_cohort`` − 1 people;
- otherwise every table with the counts :mod:`reports.disclosure` hides
  shown as :data:`HIDDEN`: the small counts, the complements that keep them
  from being worked out by subtraction, and the shares and goal statuses
  computed from any of them.

All the figures of the dashboard, the workbook, the PDF and the JSON form
one :class:`~reports.disclosure.Table`, with the sums they display and the
inequalities their definitions give (per gender and in all):

- self-support (S) and *övriga skäl* (O) are closure outcomes of different
  people: S + O ≤ T (the participants);
- those with a move or self-support (W) are among the participants, and
  include everyone self-supporting and everyone with a move of a category
  (M₁, M₂, M₃): W ≤ T, S ≤ W, Mₖ ≤ W, and W ≤ S + M₁ + M₂ + M₃;
- the before/after comparison counts closed participants: N ≤ T; each of
  its four columns sums to N;
- a month of delmål 4 wholly inside the period has at most T active.

Those are all the relations between the counts (any counts that satisfy
them can come from some set of people), so a hidden count that the audit
finds two values for is one that no reader can work out.

The contract's figures (the JSON) form a part of the table linked to the
dashboard's extras (delmål 4 per month, the before/after comparison) only
through T, which is always shown. So the JSON, which does not compute the
extras, hides exactly what the dashboard hides.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .disclosure import AtMost, Key, Protection, Sum, Table, protect
from .results import GENDER_LABELS, MOVE_KEYS, OTHER_REASONS_KEY, SELF_SUPPORT_KEYS, Results

logger = logging.getLogger(__name__)

# What a hidden figure shows, in every output (and in the JSON, in place of
# a number or a true/false).
HIDDEN = "x"
# The smallest cohort shown while the small-cell threshold is on, unless
# RATTINSATS_MIN_COHORT says otherwise.
DEFAULT_MIN_COHORT = 10

GENDERS = list(GENDER_LABELS)  # the contract's keys: women, men, other
TOTAL = "participants"
SELF_SUPPORT = "self_support"
WITH_MOVE = "with_move"
BEFORE_AFTER_COUNT = "before_after.count"
SHARE_SELF_SUPPORT = "self_support.share"
SHARE_WITH_MOVE = "with_move.share"
GOAL_2 = "goals.delmal_2"
GOAL_3 = "goals.delmal_3"


@dataclass(frozen=True)
class Policy:
    """The steering group's disclosure control: hide counts 0 < n <
    ``threshold`` (and what reveals them); show nothing for a cohort of
    1 to ``min_cohort`` − 1."""

    threshold: int
    min_cohort: int

    def withholds(self, total: int) -> bool:
        return 0 < total < self.min_cohort


def policy_for(user) -> Policy | None:
    """None: exact figures (project staff, administrators, or neither
    setting on)."""
    threshold = max(0, settings.RATTINSATS_SMALL_CELL_THRESHOLD)
    min_cohort = settings.RATTINSATS_MIN_COHORT
    if min_cohort is None:
        min_cohort = DEFAULT_MIN_COHORT if threshold > 0 else 0
    if not user.is_steering or (threshold <= 0 and min_cohort <= 0):
        return None
    return Policy(threshold=threshold, min_cohort=max(min_cohort, threshold))


def gender_key(row: str, gender: str) -> str:
    return f"{row}.{gender}"


def month_key(month: datetime.date) -> str:
    return f"active.{month:%Y-%m}"


def before_after_key(group: str, moment: str, key: str) -> str:
    return f"{group}.{moment}.{key}"


def _outcome_rows(r: Results) -> list[tuple[str, int, dict[str, int]]]:
    """Every row of figures split by gender: (key, total, by gender)."""
    return [
        (TOTAL, r.total, r.by_gender),
        (SELF_SUPPORT, r.self_support_total, r.self_support_by_gender),
        *[(o.key, o.total, o.by_gender) for o in r.self_support],
        *[(o.key, o.total, o.by_gender) for o in r.moves],
        (WITH_MOVE, r.participants_with_move, r.with_move_by_gender),
    ]


def results_table(r: Results, *, extras: bool) -> Table:
    """The results as one table for :func:`reports.disclosure.protect`;
    ``extras``: with delmål 4 per month and the before/after comparison
    (the dashboard and its exports; the JSON has neither)."""
    counts: dict[Key, int] = {}
    sums: list[Sum] = []
    at_most: list[AtMost] = []
    for row, total, by_gender in _outcome_rows(r):
        counts[row] = total
        for g in GENDERS:
            counts[gender_key(row, g)] = by_gender[g]
        sums.append(Sum(row, tuple(gender_key(row, g) for g in GENDERS)))
    # Each gender's column, and the totals.
    for suffix in [*[f".{g}" for g in GENDERS], ""]:
        sums.append(Sum(SELF_SUPPORT + suffix, tuple(c + suffix for c in SELF_SUPPORT_KEYS)))
        t, s, w = TOTAL + suffix, SELF_SUPPORT + suffix, WITH_MOVE + suffix
        o = OTHER_REASONS_KEY + suffix
        moves = tuple(m + suffix for m in MOVE_KEYS)
        at_most += [
            AtMost((s, o), (t,)),
            AtMost((w,), (t,)),
            AtMost((s,), (w,)),
            *[AtMost((m,), (w,)) for m in moves],
            AtMost((w,), (s, *moves)),
        ]
    if extras:
        counts[BEFORE_AFTER_COUNT] = r.before_after_count
        at_most.append(AtMost((BEFORE_AFTER_COUNT,), (TOTAL,)))
        for group, rows in r.before_after.items():
            # Each column (at start, at closure) sums to the people compared.
            for moment in ("start", "end"):
                parts = tuple(before_after_key(group, moment, key) for key, *_rest in rows)
                sums.append(Sum(BEFORE_AFTER_COUNT, parts))
            for key, _label, start, end in rows:
                counts[before_after_key(group, "start", key)] = start
                counts[before_after_key(group, "end", key)] = end
        f = r.filters
        for month, n in r.active_per_month:
            counts[month_key(month)] = n
            if _month_inside(month, f.date_from, f.date_to):
                at_most.append(AtMost((month_key(month),), (TOTAL,)))
    return Table(
        counts=counts,
        sums=sums,
        at_most=at_most,
        derived={
            SHARE_SELF_SUPPORT: (SELF_SUPPORT, TOTAL),
            SHARE_WITH_MOVE: (WITH_MOVE, TOTAL),
            GOAL_2: (WITH_MOVE, TOTAL),
            GOAL_3: (SELF_SUPPORT, TOTAL),
        },
        always_shown=frozenset({TOTAL}),
    )


def _month_inside(
    month: datetime.date, date_from: datetime.date | None, date_to: datetime.date | None
) -> bool:
    """Does the period cover the whole month (everyone active in it is
    counted)?"""
    if date_from is not None and month < date_from:
        return False
    if date_to is not None:
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        if following - datetime.timedelta(days=1) > date_to:
            return False
    return True


def results_protection(r: Results, policy: Policy, *, extras: bool) -> Protection:
    table = results_table(r, extras=extras)
    try:
        return protect(table, policy.threshold)
    except ValueError:
        # The figures break a relation the table states: the model is wrong
        # for these data, so nothing it would let through can be trusted.
        logger.exception("Resultatens sekretesskontroll: tabellen stämmer inte")
        return Protection(hidden=frozenset(), primary=frozenset(), withheld=True)


def shown(protection: Protection | None) -> Callable[[Key, Any], Any]:
    """``show(key, value)``: the value, or :data:`HIDDEN` if it is hidden."""

    def show(key: Key, value: Any) -> Any:
        if protection is None or protection.shows(key):
            return value
        return HIDDEN

    return show


def contract_for(r: Results, user) -> dict:
    """The results contract (the JSON) as ``user`` may see it: exact for
    staff and administrators; for the steering group with the same figures
    hidden as on its dashboard, each as :data:`HIDDEN` (the keys, and the
    figures shown, are the contract's)."""
    data = r.as_contract()
    policy = policy_for(user)
    if policy is None:
        return data
    protection = None if policy.withholds(r.total) else results_protection(r, policy, extras=False)
    if protection is None or protection.withheld:
        # Nothing shown: every figure hidden, even the number of participants.
        protection = Protection(hidden=frozenset(), primary=frozenset(), withheld=True)
    show = shown(protection)
    participants = data["participants"]
    data["participants"] = {
        "total": show(TOTAL, participants["total"]),
        **{g: show(gender_key(TOTAL, g), participants[g]) for g in GENDERS},
    }
    self_support = data["self_support"]
    data["self_support"] = {
        "total": show(SELF_SUPPORT, self_support["total"]),
        "share": show(SHARE_SELF_SUPPORT, self_support["share"]),
        "by_category": {k: show(k, n) for k, n in self_support["by_category"].items()},
    }
    moves = data["stepwise_moves"]
    data["stepwise_moves"] = {
        "participants_with_move": show(WITH_MOVE, moves["participants_with_move"]),
        "by_category": {k: show(k, n) for k, n in moves["by_category"].items()},
    }
    goals = data["goals"]
    data["goals"] = {
        "delmal_2_all_moved": show(GOAL_2, goals["delmal_2_all_moved"]),
        "delmal_3_share_target": goals["delmal_3_share_target"],
        "delmal_3_met": show(GOAL_3, goals["delmal_3_met"]),
    }
    return data
