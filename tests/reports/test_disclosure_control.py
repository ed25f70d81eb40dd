"""Statistical disclosure control of the steering group's results
(reports.disclosure, reports.protection): no hidden count can be worked out
from what the steering group is shown.

The checks here do not trust the module's own reasoning. An independent
*oracle* (a plain depth-first enumeration of whole-number fillings of the
hidden counts) is given everything a reader knows: every figure shown, the
sums the tables display, the relations the definitions give, the shares
and goal statuses shown. Every hidden count must have at least two values
consistent with all of it.

- small generated tables (hypothesis): rows and columns with the margins
  that are displayed, shares, inequalities;
- the real dashboard, workbook and JSON of generated populations (the
  results built in memory, then the real presentation code);
- the real pages from the database (factories), including the one-day
  period that once showed "total 1, women 0, men <5".
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from closure.models import EmploymentStatus, IncomeSource, StatusSnapshot
from mapping.models import MoveCategory, StepwiseMove
from participants.models import Gender, Participant
from participants.periods import period_bounds
from reports.disclosure import AtMost, Protection, Sum, Table, protect
from reports.presentation import Report, build_report
from reports.protection import HIDDEN, Policy, contract_for, policy_for
from reports.results import (
    LABELS,
    MOVE_KEYS,
    OTHER_REASONS_KEY,
    SELF_SUPPORT_KEYS,
    Outcome,
    Results,
    ResultsFilter,
)
from tests.conftest import client_for
from tests.factories import ParticipantFactory, ensure_reference_data

D = datetime.date
GENDERS = ["women", "men", "other"]
ALL = "all"  # the column of totals
EMPLOYMENT = [key for key, _label in EmploymentStatus.choices]
INCOME = [key for key, _label in IncomeSource.choices]


# --- The oracle ----------------------------------------------------------------


@dataclass
class Linear:
    """sum(coeff · var) ``op`` rhs, op "==" or "<="."""

    coeffs: dict
    op: str
    rhs: int = 0


def eq(total, parts) -> Linear:
    coeffs: dict = {}
    for p in parts:
        coeffs[p] = coeffs.get(p, 0) + 1
    coeffs[total] = coeffs.get(total, 0) - 1
    return Linear(coeffs, "==")


def le(smaller, larger) -> Linear:
    coeffs: dict = {}
    for k in smaller:
        coeffs[k] = coeffs.get(k, 0) + 1
    for k in larger:
        coeffs[k] = coeffs.get(k, 0) - 1
    return Linear(coeffs, "<=")


@dataclass
class Knowledge:
    """What a reader knows: the true values (to know which solution is the
    real one), which are hidden, the linear relations, and for some
    counts a set of allowed values (from a share or a goal's status)."""

    values: dict
    hidden: set
    linears: list[Linear]
    allowed: dict = field(default_factory=dict)  # var -> predicate(value)
    bound: int = 0  # every count is at most this

    def unprotected(self) -> list:
        """The hidden counts with a single consistent value."""
        return [v for v in sorted(self.hidden, key=str) if not self._has_second_value(v)]

    def _has_second_value(self, target) -> bool:
        # Only the relations with a hidden count constrain the search; the
        # shown counts become constants.
        reduced = []
        for lin in self.linears:
            unknown = {k: a for k, a in lin.coeffs.items() if k in self.hidden and a}
            if not unknown:
                continue
            rhs = lin.rhs - sum(
                a * self.values[k] for k, a in lin.coeffs.items() if k not in unknown
            )
            reduced.append(Linear(unknown, lin.op, rhs))
        order = self._order(target, reduced)
        part = set(order)
        linears = [lin for lin in reduced if part & set(lin.coeffs)]
        true = self.values[target]

        def tighten(lo: dict, hi: dict) -> bool:
            """Interval reasoning on every relation, until nothing changes;
            False when one cannot hold. Only ever removes values that no
            solution has, so the search below stays exhaustive."""
            changed = True
            while changed:
                changed = False
                for lin in linears:
                    low = {k: a * (lo[k] if a > 0 else hi[k]) for k, a in lin.coeffs.items()}
                    high = {k: a * (hi[k] if a > 0 else lo[k]) for k, a in lin.coeffs.items()}
                    smin, smax = sum(low.values()), sum(high.values())
                    if smin > lin.rhs or (lin.op == "==" and smax < lin.rhs):
                        return False
                    for k, a in lin.coeffs.items():
                        most = lin.rhs - smin + low[k]  # a·k ≤ most
                        least = lin.rhs - smax + high[k] if lin.op == "==" else None
                        if a > 0:
                            new_lo = lo[k] if least is None else max(lo[k], -(-least // a))
                            new_hi = min(hi[k], most // a)
                        else:
                            new_lo = max(lo[k], -(-most // a))
                            new_hi = hi[k] if least is None else min(hi[k], least // a)
                        if (new_lo, new_hi) != (lo[k], hi[k]):
                            lo[k], hi[k], changed = new_lo, new_hi, True
                        if lo[k] > hi[k]:
                            return False
            return True

        def solution(lo: dict) -> bool:
            values = {**self.values, **lo}
            return (
                lo[target] != true
                and all(self.allowed.get(k, lambda n: True)(values[k]) for k in lo)
                and all(
                    (
                        sum(a * values[k] for k, a in lin.coeffs.items()) == lin.rhs
                        if lin.op == "=="
                        else sum(a * values[k] for k, a in lin.coeffs.items()) <= lin.rhs
                    )
                    for lin in linears
                )
            )

        def search(lo: dict, hi: dict) -> bool:
            if not tighten(lo, hi):
                return False
            free = [k for k in order if lo[k] < hi[k]]
            if not free:
                return solution(lo)
            var = free[0]
            exclude = true if var == target else None
            for value in self._values(var, exclude=exclude):
                if lo[var] <= value <= hi[var]:
                    lo2, hi2 = dict(lo), dict(hi)
                    lo2[var] = hi2[var] = value
                    if search(lo2, hi2):
                        return True
            return False

        lo = dict.fromkeys(order, 0)
        hi = dict.fromkeys(order, self.bound)
        return search(lo, hi)

    def _values(self, var, *, exclude) -> Iterator[int]:
        true = self.values[var]
        allowed = self.allowed.get(var, lambda n: True)
        for d in range(self.bound + 1):
            for value in {true - d, true + d}:
                if 0 <= value <= self.bound and value != exclude and allowed(value):
                    yield value

    def _order(self, target, reduced) -> list:
        """The target's part of the table, breadth first from it."""
        order, seen = [target], {target}
        i = 0
        while i < len(order):
            for lin in reduced:
                if order[i] in lin.coeffs:
                    for k in lin.coeffs:
                        if k not in seen:
                            seen.add(k)
                            order.append(k)
            i += 1
        return order


# --- The algorithm on small tables ---------------------------------------------


def table_1d(values: dict, total: int) -> Table:
    return Table(
        counts={"T": total, **values},
        sums=[Sum("T", tuple(values))],
        always_shown=frozenset({"T"}),
    )


def test_it_hides_a_small_cell_and_its_smallest_complement():
    protection = protect(table_1d({"w": 2, "m": 20, "o": 7}, 29), 5)
    assert protection.primary == {"w"}
    assert protection.hidden == {"w", "o"}
    assert protection.secondary == {"o"}


def test_it_takes_a_zero_as_complement():
    # "w" alone hidden could be read as 22 − 20 − 0; with the zero hidden
    # too, w + o = 2 is all that can be read.
    protection = protect(table_1d({"w": 2, "m": 20, "o": 0}, 22), 5)
    assert protection.hidden == {"w", "o"}


def test_it_shows_no_figure_when_an_always_shown_total_is_itself_small():
    # The one-day period: total 1, women 0, men 1.
    protection = protect(table_1d({"w": 0, "m": 1, "o": 0}, 1), 5)
    assert protection.withheld
    assert not any(protection.shows(k) for k in ("T", "w", "m", "o"))


def test_it_hides_nothing_without_small_cells():
    protection = protect(table_1d({"w": 0, "m": 20, "o": 7}, 27), 5)
    assert protection.hidden == set() and not protection.withheld


def test_it_hides_a_cycle_in_a_two_way_table():
    counts = {"a": 2, "b": 7, "c": 8, "d": 9, "r1": 9, "r2": 17, "c1": 10, "c2": 16, "G": 26}
    table = Table(
        counts=counts,
        sums=[
            Sum("r1", ("a", "b")),
            Sum("r2", ("c", "d")),
            Sum("c1", ("a", "c")),
            Sum("c2", ("b", "d")),
            Sum("G", ("r1", "r2")),
            Sum("G", ("c1", "c2")),
        ],
        always_shown=frozenset({"G"}),
    )
    assert protect(table, 5).hidden == {"a", "b", "c", "d"}


def test_it_hides_a_share_with_its_count():
    table = table_1d({"w": 2, "m": 20, "o": 7}, 29)
    table.derived = {"share_w": ("w", "T"), "share_m": ("m", "T")}
    protection = protect(table, 5)
    assert "share_w" in protection.hidden and "share_m" not in protection.hidden


def test_it_sees_what_an_inequality_pins():
    # W ≤ T in each column and W = T in all: each column's W equals its T.
    # Hiding T_w and T_o (2 and 0) is not enough when W_w and W_o show 2
    # and 0: they must go too.
    counts = {"T": 12, "Tw": 2, "Tm": 10, "To": 0, "W": 12, "Ww": 2, "Wm": 10, "Wo": 0}
    table = Table(
        counts=counts,
        sums=[Sum("T", ("Tw", "Tm", "To")), Sum("W", ("Ww", "Wm", "Wo"))],
        at_most=[AtMost(("Ww",), ("Tw",)), AtMost(("Wm",), ("Tm",)), AtMost(("Wo",), ("To",))],
        always_shown=frozenset({"T"}),
    )
    protection = protect(table, 5)
    knowledge = knowledge_of(table, protection)
    assert knowledge.unprotected() == []
    assert {"Tw", "Ww"} <= protection.hidden


def test_it_looks_further_than_one_for_a_second_value():
    # b = c (b ≤ c and c ≤ b) and a + b + c = 4: a moves in steps of two.
    table = Table(
        counts={"a": 0, "b": 2, "c": 2, "G": 4},
        sums=[Sum("G", ("a", "b", "c"))],
        at_most=[AtMost(("b",), ("c",)), AtMost(("c",), ("b",))],
        always_shown=frozenset({"G"}),
    )
    protection = protect(table, 3)
    assert protection.hidden == {"a", "b", "c"} and not protection.withheld
    assert knowledge_of(table, protection).unprotected() == []


def test_it_refuses_a_table_that_breaks_its_own_sums():
    with pytest.raises(ValueError, match="break"):
        protect(table_1d({"w": 2, "m": 2}, 5), 5)


def knowledge_of(table: Table, protection: Protection) -> Knowledge:
    """What a reader of ``table`` with ``protection`` knows."""
    linears = [eq(s.total, s.parts) for s in table.sums]
    linears += [le(m.smaller, m.larger) for m in table.at_most]
    hidden = {k for k in table.counts if not protection.shows(k)}
    return Knowledge(
        values=dict(table.counts),
        hidden=hidden,
        linears=linears,
        bound=max(table.counts.values(), default=0),
    )


@st.composite
def two_way_tables(draw):
    """A table of counts (1–3 rows, 1–3 columns) with its grand total (always
    shown, as the cohort is), some of its row and column totals, the share
    of each displayed row total, and a few true inequalities between
    cells."""
    rows = draw(st.integers(1, 3))
    cols = draw(st.integers(1, 3))
    small = st.one_of(st.integers(0, 4), st.integers(0, 9))
    cells = {(i, j): draw(small) for i in range(rows) for j in range(cols)}
    counts: dict = {f"c{i}{j}": n for (i, j), n in cells.items()}
    grand = sum(cells.values())
    counts["G"] = grand
    sums = [Sum("G", tuple(f"c{i}{j}" for i in range(rows) for j in range(cols)))]
    derived = {}
    row_totals = draw(st.booleans())
    col_totals = draw(st.booleans())
    if row_totals:
        for i in range(rows):
            counts[f"r{i}"] = sum(cells[i, j] for j in range(cols))
            sums.append(Sum(f"r{i}", tuple(f"c{i}{j}" for j in range(cols))))
            derived[f"share_r{i}"] = (f"r{i}", "G")
        sums.append(Sum("G", tuple(f"r{i}" for i in range(rows))))
    if col_totals:
        for j in range(cols):
            counts[f"k{j}"] = sum(cells[i, j] for i in range(rows))
            sums.append(Sum(f"k{j}", tuple(f"c{i}{j}" for i in range(rows))))
        sums.append(Sum("G", tuple(f"k{j}" for j in range(cols))))
    keys = sorted(k for k in counts if k.startswith("c"))
    at_most = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
        if a != b and counts[a] <= counts[b]:
            at_most.append(AtMost((a,), (b,)))
    table = Table(
        counts=counts,
        sums=sums,
        at_most=at_most,
        derived=derived,
        always_shown=frozenset({"G"}),
    )
    return table, draw(st.integers(2, 5))


@settings(max_examples=300, deadline=None)
@given(two_way_tables())
def test_no_hidden_cell_of_a_generated_table_can_be_worked_out(case):
    table, threshold = case
    protection = protect(table, threshold)
    if protection.withheld:
        # Nothing shown; and only when needed: the grand total (always
        # shown) is itself too small, or even with every other count hidden
        # one of them could be worked out (say a ≤ b and b ≤ a beside a + b).
        assert not any(protection.shows(k) for k in [*table.counts, *table.derived])
        if not 0 < table.counts["G"] < threshold:
            everything = Protection(hidden=frozenset(table.counts) - {"G"}, primary=frozenset())
            assert knowledge_of(table, everything).unprotected() != []
        return
    for key, n in table.counts.items():
        if 0 < n < threshold:
            assert key in protection.hidden, key
    for share, sources in table.derived.items():
        assert (share in protection.hidden) == any(s in protection.hidden for s in sources)
    knowledge = knowledge_of(table, protection)
    # A share shown next to its shown count adds nothing; one shown next to
    # a hidden count would fix it: check the shares a reader sees.
    for share, (count, _total) in table.derived.items():
        if protection.shows(share):
            true = round(table.counts[count] / table.counts["G"], 4) if table.counts["G"] else 0
            knowledge.allowed[count] = lambda n, true=true: (
                (round(n / table.counts["G"], 4) if table.counts["G"] else 0) == true
            )
    assert knowledge.unprotected() == []


# --- The real results, in memory --------------------------------------------------


@dataclass(frozen=True)
class Person:
    gender: str
    outcome: str  # "", a self-support key or OTHER_REASONS_KEY
    moves: frozenset
    snapshots: tuple | None  # employment and income at start and at the end


def results_of(people: list[Person], months: list[int], *, filters=None) -> Results:
    """The results of ``people`` as results_compute would count them,
    without the database; ``months``: delmål 4's active participants."""

    def by_gender(pred) -> dict:
        return {g: sum(1 for p in people if p.gender == g and pred(p)) for g in GENDERS}

    def outcome(key, pred) -> Outcome:
        split = by_gender(pred)
        return Outcome(key, str(LABELS[key]), sum(split.values()), split)

    total = len(people)
    self_support = [outcome(k, lambda p, k=k: p.outcome == k) for k in SELF_SUPPORT_KEYS]
    moves = [outcome(k, lambda p, k=k: k in p.moves) for k in MOVE_KEYS]
    moves.append(outcome(OTHER_REASONS_KEY, lambda p: p.outcome == OTHER_REASONS_KEY))
    s = sum(o.total for o in self_support)
    share = round(s / total, 4) if total else 0
    with_move = by_gender(lambda p: bool(p.moves) or p.outcome in SELF_SUPPORT_KEYS)
    results = Results(
        filters=filters or ResultsFilter(),
        total=total,
        by_gender=by_gender(lambda p: True),
        self_support_total=s,
        self_support_share=share,
        self_support=self_support,
        moves=moves,
        participants_with_move=sum(with_move.values()),
        self_support_by_gender=by_gender(lambda p: p.outcome in SELF_SUPPORT_KEYS),
        with_move_by_gender=with_move,
        delmal_2_all_moved=total > 0 and sum(with_move.values()) == total,
        delmal_3_share_target=0.2,
        delmal_3_met=total > 0 and share >= 0.2,
        today=D(2025, 6, 15),
    )
    snapped = [p.snapshots for p in people if p.snapshots]
    employment = [
        (key, label, sum(s[0] == key for s in snapped), sum(s[2] == key for s in snapped))
        for key, label in EmploymentStatus.choices
    ]
    income = [
        (key, label, sum(s[1] == key for s in snapped), sum(s[3] == key for s in snapped))
        for key, label in IncomeSource.choices
    ]
    # Filled in as results_compute's cached properties would be.
    results.__dict__["_before_after"] = (
        len(snapped),
        {"employment_status": employment, "income_source": income},
    )
    first = D(2024, 1, 1)
    results.__dict__["active_per_month"] = [
        (D(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1), n)
        for i, n in enumerate(months)
    ]
    return results


STEERING = SimpleNamespace(is_steering=True)
STAFF = SimpleNamespace(is_steering=False)


def var(name, *rest):
    return (name, *rest)


def number(text: str):
    return HIDDEN if text == HIDDEN else int(text)


def seen_by_steering(report: Report, contract: dict) -> dict:
    """Every count the steering group is shown, wherever it is shown
    (dashboard, workbook and PDF render this report; the JSON the
    contract), as {figure: [each showing]}; plus "share_S", "share_W",
    "goal_2", "goal_3" for what is derived from S and W."""
    seen: dict = {}

    def add(key, value):
        seen.setdefault(key, []).append(value)

    total, s_fig, w_fig = report.key_figures
    add(var("T", ALL), total.value)
    add(var("S", ALL), s_fig.value)
    add(var("W", ALL), w_fig.value)
    add("share_S", s_fig.share)
    add("share_W", w_fig.share)
    goal_2, goal_3, goal_4 = report.goals
    add("goal_2", HIDDEN if goal_2.hidden else goal_2.met)
    add("goal_3", HIDDEN if goal_3.hidden else goal_3.met)
    w_text, t_text = re.match(r"^(\S+) av (\d+) deltagare$", goal_2.text).groups()
    add(var("W", ALL), number(w_text))
    share_text, s_text, _t = re.match(r"^(.+) \((\S+) av (\d+)\)$", goal_3.text).groups()
    add("share_S_text", share_text)
    add(var("S", ALL), number(s_text))
    rows = {b.slug: b.rows for b in report.breakdowns}
    for (_label, cells), g in zip(rows["kon"], GENDERS, strict=True):
        add(var("T", g), cells[0])
    for (_label, cells), k in zip(rows["egen_forsorjning"], SELF_SUPPORT_KEYS, strict=True):
        add(var("SS", k, ALL), cells[0])
    move_rows = [*MOVE_KEYS, OTHER_REASONS_KEY]
    for (_label, cells), k in zip(rows["forflyttningar"], move_rows, strict=True):
        add(var("M", k, ALL) if k in MOVE_KEYS else var("O", ALL), cells[0])
    outcome_rows = [
        ("T",),
        ("S",),
        *[("SS", k) for k in SELF_SUPPORT_KEYS],
        *[("M", k) for k in MOVE_KEYS],
        ("O",),
        ("W",),
    ]
    for (_label, cells), row in zip(rows["kon_per_utfall"], outcome_rows, strict=True):
        for cell, g in zip(cells, GENDERS, strict=True):
            add((*row, g), cell)
    for label, cells in rows["aktiva_per_manad"]:
        add(var("active", label), cells[0])
    months = rows["aktiva_per_manad"]
    match = re.match(r"^(\S+) aktiva", goal_4.text)
    add(var("active", months[-1][0]) if months else "no months", number(match.group(1)))
    for slug, name, keys in (
        ("fore_efter_sysselsattning", "emp", EMPLOYMENT),
        ("fore_efter_forsorjning", "inc", INCOME),
    ):
        for (_label, cells), key in zip(rows[slug], keys, strict=True):
            add(var(name, "start", key), cells[0])
            add(var(name, "end", key), cells[1])
    add(var("N"), report.before_after_count)
    # The JSON.
    participants = contract["participants"]
    add(var("T", ALL), participants["total"])
    for g in GENDERS:
        add(var("T", g), participants[g])
    add(var("S", ALL), contract["self_support"]["total"])
    add("share_S", contract["self_support"]["share"])
    for k, n in contract["self_support"]["by_category"].items():
        add(var("SS", k, ALL), n)
    add(var("W", ALL), contract["stepwise_moves"]["participants_with_move"])
    for k, n in contract["stepwise_moves"]["by_category"].items():
        add(var("M", k, ALL) if k in MOVE_KEYS else var("O", ALL), n)
    add("goal_2", contract["goals"]["delmal_2_all_moved"])
    add("goal_3", contract["goals"]["delmal_3_met"])
    return seen


def true_values(people: list[Person], months: list[tuple[str, int]]) -> dict:
    """Every figure, counted from the people (not from the results)."""
    values: dict = {}
    for g in [*GENDERS, ALL]:
        group = [p for p in people if g == ALL or p.gender == g]
        values["T", g] = len(group)
        values["S", g] = sum(p.outcome in SELF_SUPPORT_KEYS for p in group)
        values["O", g] = sum(p.outcome == OTHER_REASONS_KEY for p in group)
        values["W", g] = sum(bool(p.moves) or p.outcome in SELF_SUPPORT_KEYS for p in group)
        for k in SELF_SUPPORT_KEYS:
            values["SS", k, g] = sum(p.outcome == k for p in group)
        for k in MOVE_KEYS:
            values["M", k, g] = sum(k in p.moves for p in group)
    snapped = [p.snapshots for p in people if p.snapshots]
    values["N",] = len(snapped)
    for key in EMPLOYMENT:
        values["emp", "start", key] = sum(s[0] == key for s in snapped)
        values["emp", "end", key] = sum(s[2] == key for s in snapped)
    for key in INCOME:
        values["inc", "start", key] = sum(s[1] == key for s in snapped)
        values["inc", "end", key] = sum(s[3] == key for s in snapped)
    for label, n in months:
        values["active", label] = n
    return values


def definitions(values: dict, months_inside: bool) -> list[Linear]:
    """The relations between the figures, from the results' definitions
    (README, Results), stated here on their own."""
    linears = []
    rows = [("T",), ("S",), ("O",), ("W",)]
    rows += [("SS", k) for k in SELF_SUPPORT_KEYS] + [("M", k) for k in MOVE_KEYS]
    for row in rows:
        linears.append(eq((*row, ALL), [(*row, g) for g in GENDERS]))
    for g in [*GENDERS, ALL]:
        linears.append(eq(("S", g), [("SS", k, g) for k in SELF_SUPPORT_KEYS]))
        moves = [("M", k, g) for k in MOVE_KEYS]
        linears += [
            le([("S", g), ("O", g)], [("T", g)]),  # different closure outcomes
            le([("W", g)], [("T", g)]),
            le([("S", g)], [("W", g)]),  # self-support counts as moved
            *[le([m], [("W", g)]) for m in moves],
            le([("W", g)], [("S", g), *moves]),  # moved: a move or self-support
        ]
    linears.append(le([("N",)], [("T", ALL)]))
    for name, keys in (("emp", EMPLOYMENT), ("inc", INCOME)):
        for moment in ("start", "end"):
            linears.append(eq(("N",), [(name, moment, k) for k in keys]))
    month_vars = [k for k in values if k[0] == "active"]
    if months_inside:
        # Unfiltered: everyone active in a month is counted, and (no one
        # starting in the future) everyone counted was active in some month.
        linears += [le([m], [("T", ALL)]) for m in month_vars]
        if month_vars and values["T", ALL] <= sum(values[m] for m in month_vars):
            linears.append(le([("T", ALL)], month_vars))
    return linears


def check_what_the_steering_group_sees(people, months, threshold, min_cohort=None):
    """Build the real report and JSON for the steering group and check,
    with the oracle, that no hidden count can be worked out."""
    results = results_of(people, months)
    with override_settings(
        RATTINSATS_SMALL_CELL_THRESHOLD=threshold, RATTINSATS_MIN_COHORT=min_cohort
    ):
        report = build_report(results, user=STEERING)
        contract = contract_for(results, STEERING)
        policy = policy_for(STEERING)
    assert policy is not None
    if policy.withholds(len(people)):
        assert report.withheld and not report.breakdowns and not report.key_figures
        assert all(
            value == HIDDEN
            for part in ("participants", "self_support", "stepwise_moves")
            for value in _leaves(contract[part])
        )
        return report, None
    assert not report.withheld
    truth = true_values(people, [(m.strftime("%Y-%m"), n) for m, n in results.active_per_month])
    seen = seen_by_steering(report, contract)
    hidden = set()
    derived_shown = {}
    for key, showings in seen.items():
        # A figure is hidden everywhere or shown everywhere, as itself.
        distinct = {repr(s) for s in showings}
        assert len(distinct) == 1, (key, showings)
        shown = showings[0]
        if key in truth:
            if shown == HIDDEN:
                hidden.add(key)
            else:
                assert shown == truth[key], key
                assert not 0 < shown < threshold or key == ("T", ALL), key
        else:
            derived_shown[key] = shown
    # Every count below the threshold is hidden (the cohort is at least the
    # threshold, so it is never one of them).
    for key, n in truth.items():
        if 0 < n < threshold and key in seen:
            assert key in hidden, key
    assert ("T", ALL) not in hidden
    t = truth["T", ALL]
    allowed = {}
    assert (derived_shown["share_S_text"] == HIDDEN) == (derived_shown["share_S"] == HIDDEN)
    if derived_shown["share_S"] != HIDDEN or derived_shown["goal_3"] != HIDDEN:
        assert ("S", ALL) not in hidden, "a share or goal shown beside a hidden count"
    if derived_shown["share_W"] != HIDDEN or derived_shown["goal_2"] != HIDDEN:
        assert ("W", ALL) not in hidden, "a share or goal shown beside a hidden count"
    if derived_shown["goal_3"] != HIDDEN:
        met = derived_shown["goal_3"]
        allowed["S", ALL] = lambda n: (round(n / t, 4) >= 0.2) == met
    if derived_shown["goal_2"] != HIDDEN:
        met = derived_shown["goal_2"]
        allowed["W", ALL] = lambda n: (n == t) == met
    knowledge = Knowledge(
        values=truth,
        hidden=hidden,
        linears=definitions(truth, months_inside=True),
        allowed=allowed,
        bound=max(truth.values()) + 1,
    )
    assert knowledge.unprotected() == []
    return report, hidden


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


people_st = st.builds(
    Person,
    gender=st.sampled_from(["women", "women", "men", "men", "other"]),
    outcome=st.sampled_from(["", "", "", OTHER_REASONS_KEY, *SELF_SUPPORT_KEYS]),
    moves=st.frozensets(st.sampled_from(MOVE_KEYS), max_size=3),
    snapshots=st.one_of(
        st.none(),
        st.tuples(
            st.sampled_from(EMPLOYMENT),
            st.sampled_from(INCOME),
            st.sampled_from(EMPLOYMENT),
            st.sampled_from(INCOME),
        ),
    ),
)


@st.composite
def populations(draw):
    people = draw(st.lists(people_st, min_size=6, max_size=30))
    months = draw(st.lists(st.integers(0, len(people)), min_size=0, max_size=6))
    return people, months, draw(st.integers(2, 5))


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(populations())
def test_no_hidden_figure_of_the_steering_groups_results_can_be_worked_out(case):
    people, months, threshold = case
    check_what_the_steering_group_sees(people, months, threshold)


def person(gender, outcome="", moves=(), snapshots=None) -> Person:
    return Person(gender, outcome, frozenset(moves), snapshots)


def test_all_moved_does_not_give_away_a_hidden_gender():
    # W = T: with "W ≤ T" per gender, each gender's W is its T. Hiding the
    # women's T alone (and a complement) would leave it readable from W.
    people = [person("women", moves=["praktik_arbetsprovning"]) for _ in range(2)]
    people += [person("men", moves=["arbets_studieformaga"]) for _ in range(10)]
    report, hidden = check_what_the_steering_group_sees(people, [12], threshold=5)
    assert ("T", "women") in hidden and ("W", "women") in hidden
    assert report.goals[0].status == "Visas inte"


def test_a_self_support_result_of_one_hides_its_total_share_and_goal():
    people = [person("women", outcome="extratjanst")]
    people += [person("men", moves=["praktik_arbetsprovning"]) for _ in range(11)]
    report, hidden = check_what_the_steering_group_sees(people, [12], threshold=5)
    assert {("SS", "extratjanst", ALL), ("S", ALL)} <= hidden
    figure = report.key_figures[1]
    assert figure.text == "x av 12" and figure.share_text == HIDDEN
    assert report.goals[1].status == "Visas inte"
    assert report.goals[1].text == "x (x av 12)"


def test_staff_see_every_figure_exactly():
    people = [person("women", outcome="extratjanst")]
    people += [person("men", moves=["praktik_arbetsprovning"]) for _ in range(3)]
    results = results_of(people, [4])
    with override_settings(RATTINSATS_SMALL_CELL_THRESHOLD=5, RATTINSATS_MIN_COHORT=10):
        report = build_report(results, user=STAFF)
        contract = contract_for(results, STAFF)
    assert contract == results.as_contract()
    assert not report.withheld and report.disclosure_note == ""
    assert report.breakdown("kon").rows[0][1] == [1]
    assert all(
        isinstance(cell, int)
        for b in report.breakdowns
        for _label, cells in b.rows
        for cell in cells
    )


def test_a_cohort_below_the_minimum_shows_no_figures():
    people = [person("men")]
    with override_settings(RATTINSATS_SMALL_CELL_THRESHOLD=5, RATTINSATS_MIN_COHORT=None):
        assert policy_for(STEERING) == Policy(threshold=5, min_cohort=10)
    report, _hidden = check_what_the_steering_group_sees(people, [1], threshold=5)
    assert report.notice.startswith("Urvalet har färre än 10 deltagare.")
    assert report.filter_lines[-1] == ("Sekretess", report.notice)
    nine = [person("women") for _ in range(9)]
    assert check_what_the_steering_group_sees(nine, [9], threshold=5)[0].withheld
    ten = [person("women") for _ in range(10)]
    assert not check_what_the_steering_group_sees(ten, [10], threshold=5)[0].withheld


def test_the_minimum_cohort_is_never_below_the_threshold():
    with override_settings(RATTINSATS_SMALL_CELL_THRESHOLD=15, RATTINSATS_MIN_COHORT=4):
        assert policy_for(STEERING) == Policy(threshold=15, min_cohort=15)
    with override_settings(RATTINSATS_SMALL_CELL_THRESHOLD=0, RATTINSATS_MIN_COHORT=None):
        assert policy_for(STEERING) is None
    with override_settings(RATTINSATS_SMALL_CELL_THRESHOLD=0, RATTINSATS_MIN_COHORT=8):
        assert policy_for(STEERING) == Policy(threshold=0, min_cohort=8)


# --- The real pages, from the database ----------------------------------------------


START = D(2024, 1, 1)


def make_people(spec, *, start=START):
    """``spec``: (gender, outcome, move or None, snapshots?) per person."""
    ensure_reference_data()
    for i, (gender, outcome, move, snapshots) in enumerate(spec):
        p = ParticipantFactory(start_date=start + datetime.timedelta(days=i), gender=gender)
        if outcome:
            p.status, p.end_date = Participant.Status.CLOSED, start + datetime.timedelta(days=150)
            if outcome == OTHER_REASONS_KEY:
                p.closure_reason = "ovriga"
            else:
                p.closure_reason, p.closure_result = "arbete", outcome
            p.save()
        if move:
            first, last = period_bounds(p.start_date, 1)
            StepwiseMove.objects.create(
                participant=p,
                period=1,
                period_start=first,
                period_end=last,
                category=MoveCategory.objects.get(code=move),
            )
        if snapshots and outcome:
            for moment, (employment, income) in zip(("start", "end"), snapshots, strict=True):
                StatusSnapshot.objects.create(
                    participant=p, moment=moment, employment_status=employment, income_source=income
                )


W, M = Gender.WOMAN, Gender.MAN
PRAKTIK = "praktik_arbetsprovning"
SNAP = (("seeking_work", "ekonomiskt_bistand"), ("paid_work", "salary"))
POPULATION = [
    (W, "extratjanst", None, SNAP),
    (W, OTHER_REASONS_KEY, PRAKTIK, SNAP),
    (W, "", PRAKTIK, None),
    (W, "", PRAKTIK, None),
    (W, "", "arbets_studieformaga", None),
    (W, "", None, None),
    (M, "job_without_support", PRAKTIK, SNAP),
    (M, "job_without_support", None, SNAP),
    (M, OTHER_REASONS_KEY, None, SNAP),
    (M, "", PRAKTIK, None),
    (M, "", PRAKTIK, None),
    (M, "", "studier_annan_ersattning", None),
    (M, "", None, None),
]


@pytest.fixture
def disclosure_on(settings):
    settings.RATTINSATS_SMALL_CELL_THRESHOLD = 5
    settings.RATTINSATS_MIN_COHORT = None  # 10 with the threshold on
    return settings


def page_report(client, **params) -> Report:
    response = client.get(reverse("reports:dashboard"), params)
    assert response.status_code == 200
    return response.context["report"]


@pytest.mark.django_db
def test_the_real_dashboard_json_and_workbook_hide_the_same_figures(disclosure_on, steering):
    make_people(POPULATION)
    client = client_for(steering)
    report = page_report(client)
    contract = client.get(reverse("reports:results_json")).json()
    assert report.disclosure_note.startswith("Av sekretesskäl visas inte antal från 1 till 4")
    # The oracle on what the page shows, with the figures counted here.
    people = [
        Person(
            {W: "women", M: "men"}[g],
            outcome,
            frozenset([move] if move else []),
            (SNAP[0][0], SNAP[0][1], SNAP[1][0], SNAP[1][1]) if snaps and outcome else None,
        )
        for g, outcome, move, snaps in POPULATION
    ]
    # Every month has at least 7 active: none is hidden, so the page gives
    # their true values.
    months = [(label, n) for label, (n,) in report.breakdown("aktiva_per_manad").rows]
    assert all(n != HIDDEN for _label, n in months)
    seen = seen_by_steering(report, contract)
    truth = true_values(people, months)
    hidden = {k for k, showings in seen.items() if k in truth and showings[0] == HIDDEN}
    for key, showings in seen.items():
        assert len({repr(s) for s in showings}) == 1, (key, showings)
        if key in truth and showings[0] != HIDDEN:
            assert showings[0] == truth[key], key
    assert {("S", ALL), ("SS", "extratjanst", ALL), ("SS", "job_without_support", ALL)} <= hidden
    knowledge = Knowledge(
        values=truth,
        hidden=hidden,
        linears=definitions(truth, months_inside=True),
        bound=max(truth.values()) + 1,
    )
    assert knowledge.unprotected() == []
    # The workbook writes exactly what the page shows.
    wb = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx")).content))
    for breakdown in report.breakdowns:
        sheet = [list(r) for r in wb[breakdown.sheet_name].iter_rows(min_row=2, values_only=True)]
        assert sheet == [[label, *cells] for label, cells in breakdown.rows], breakdown.slug
    summary = [list(r) for r in wb["Sammanfattning"].iter_rows(values_only=True)]
    assert ["Sekretess", report.disclosure_note] in [row[:2] for row in summary]
    assert ["Egen försörjning", HIDDEN, 13, HIDDEN] in [row[:4] for row in summary]
    # The PDF is made from the same report: its note is there, and no
    # hidden share.
    pdf = client.get(reverse("reports:results_pdf")).content
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Av sekretesskäl visas inte antal" in re.sub(r"\s+", " ", text)


@pytest.mark.django_db
def test_the_one_day_period_shows_no_figures_to_the_steering_group(disclosure_on, steering, owner):
    # One participation overlaps the day: once "total 1, women 0, men <5".
    make_people(POPULATION)
    ParticipantFactory(
        start_date=D(2023, 6, 1),
        end_date=D(2023, 6, 30),
        status=Participant.Status.CLOSED,
        closure_reason="ovriga",
        gender=M,
    )
    day = {"from": "2023-06-15", "to": "2023-06-15"}
    client = client_for(steering)
    response = client.get(reverse("reports:dashboard"), day)
    html = response.content.decode()
    report = response.context["report"]
    assert report.withheld and report.results.total == 1
    assert "Urvalet har färre än 10 deltagare." in html
    assert 'id="key-figures"' not in html and "<svg" not in html
    contract = client.get(reverse("reports:results_json"), day).json()
    assert contract["participants"] == {"total": "x", "women": "x", "men": "x", "other": "x"}
    assert set(_leaves(contract["self_support"])) == {HIDDEN}
    assert set(_leaves(contract["stepwise_moves"])) == {HIDDEN}
    assert contract["goals"] == {
        "delmal_2_all_moved": "x",
        "delmal_3_share_target": 0.2,
        "delmal_3_met": "x",
    }
    assert list(contract) == ["period", "participants", "self_support", "stepwise_moves", "goals"]
    wb = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx"), day).content))
    assert wb.sheetnames == ["Sammanfattning"]
    cells = [c for row in wb["Sammanfattning"].iter_rows(values_only=True) for c in row]
    assert report.notice in cells and 1 not in cells
    pdf = client.get(reverse("reports:results_pdf"), day).content
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages))
    assert "Urvalet har färre än 10 deltagare." in text
    # The project team still sees the figures.
    data = client_for(owner).get(reverse("reports:results_json"), day).json()
    assert data["participants"] == {"total": 1, "women": 0, "men": 1, "other": 0}


@pytest.mark.django_db
def test_the_steering_groups_dashboard_costs_no_extra_query(
    disclosure_on, steering, django_assert_max_num_queries
):
    from tests.reports.test_reports_views import DASHBOARD_QUERIES, JSON_QUERIES

    make_people(POPULATION)
    client = client_for(steering)
    client.get(reverse("reports:dashboard"))
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        assert HIDDEN in str(client.get(reverse("reports:dashboard")).context["report"].key_figures)
    with django_assert_max_num_queries(JSON_QUERIES):
        client.get(reverse("reports:results_json"))
