"""The weekly meeting's proposed allocation, as a pure function.

No database, no Django: it takes the staff members' current caseloads and
the referrals to allocate, and returns who should take which. The meeting
page shows the proposal; staff may change any line before confirming.

The objective
-------------

domain.md §4 asks for an even workload and an even spread of the
participants' ages and genders over the staff. The proposal is the
allocation that minimises one number, :func:`objective`, computed on each
staff member's situation *after* the allocation (their current caseload plus
what they are given), over the staff members who may be given cases::

    J = W_LOAD · L + W_GENDER · M(gender) + W_AGE · M(age group)

**L, the workload per capacity.** With n_s the staff member's caseload,
f_s = capacity_s / (the largest capacity among them) their share of a full
post, N = Σ n_s and F = Σ f_s::

    L = Σ_s f_s · (n_s / f_s − N / F)²

the capacity-weighted spread of "cases per full post" around its mean, in
cases²: 0 when everyone holds exactly their share, and (with equal
capacities) moving one case from someone with two or more cases more to
someone with fewer lowers it by at least 2.

**M, the mix.** For one dimension (gender, or age group) with x_sd the
number of staff member s's cases in category d, m_s = Σ_d x_sd and p_d the
share of category d among all these staff members' cases together::

    M = Σ_s m_s · Σ_d (x_sd / m_s − p_d)²

each staff member's distance from the overall mix, weighted by how many
cases it concerns: 0 when everyone has the same shares of women and men (of
each age group) as the whole.

**The weights** are ``W_LOAD = 2``, ``W_GENDER = 1``, ``W_AGE = 1``. Moving
one referral from one staff member to another changes each M by less than 2
(giving a staff member with m cases and mix s one more of category d changes
their term by ‖e_d − p‖² − m/(m+1)·‖s − e_d‖²; in a move the first parts
cancel, and a squared distance between two mixes is at most 2), so with
``W_LOAD ≥ W_GENDER + W_AGE`` evening
out the workload always wins over the mix: with equal capacities the
caseloads end within one of each other wherever the referrals suffice, and
nobody is pushed above the current largest caseload when they do not.
Within that, and wherever capacities differ, the mix decides — gender and
age group count the same.

The search
----------

Referrals of the same gender and age group are interchangeable, so the
search places *counts* per kind. Every run starts from the better of a
greedy placement (each referral, in the order given, to whoever raises J
least) and the old tie-break-only proposal (:func:`propose_tiebreak_only`),
then moves single referrals and swaps pairs between staff members,
steepest descent, until no move or swap lowers J. When the number of
distinct allocations is at most ``EXACT_LIMIT`` (5,000), branch and bound
then searches them all, starting from that result as the best so far and
bounding each branch below by J's slopes (J is convex in the counts); if it
finishes within ``NODE_LIMIT`` (1,000) nodes — a few milliseconds — the
proposal is the optimum (``Proposal.optimal``). Everything is ordered by
ids and kinds and nothing is random or timed: the same input always gives
the same proposal, and it is never worse on J than the tie-break-only one.

Only active accounts with a capacity above zero are ever proposed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb

# Age groups used to even out the mix (upper bounds inclusive).
AGE_GROUPS = ((24, "18–24"), (34, "25–34"), (44, "35–44"), (54, "45–54"), (200, "55–64"))

# The objective's weights (see the module's docstring).
W_LOAD = 2
W_GENDER = 1
W_AGE = 1

# Branch and bound when there are at most this many distinct allocations,
# visiting at most NODE_LIMIT nodes (some 10 ms at worst); above that,
# greedy plus local search alone.
EXACT_LIMIT = 5000
NODE_LIMIT = 1000

# An improvement smaller than this is rounding, not an improvement.
EPSILON = 1e-9


def age_group(age: int) -> str:
    for upper, label in AGE_GROUPS:
        if age <= upper:
            return label
    return AGE_GROUPS[-1][1]


@dataclass(frozen=True)
class StaffLoad:
    """One staff member as the allocation sees them."""

    id: int
    caseload: int
    capacity: int = 100
    active: bool = True
    # How many of their current cases fall in each age group and gender.
    age_groups: Mapping[str, int] = field(default_factory=dict)
    genders: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One referral to allocate."""

    id: int
    age_group: str
    gender: str


@dataclass(frozen=True)
class Proposal:
    assignments: dict[int, int]  # case id -> staff id
    load_before: dict[int, int]  # staff id -> caseload
    load_after: dict[int, int]
    # Each staff member as they would stand after the proposal.
    after: dict[int, StaffLoad] = field(default_factory=dict)
    score: float = 0.0  # the objective after the proposal
    optimal: bool = False  # proven the lowest possible (branch and bound finished)


def available(staff: Iterable[StaffLoad]) -> list[StaffLoad]:
    """The staff members who may be given cases."""
    return [s for s in staff if s.active and s.capacity > 0]


def per_full_time(caseload: int, capacity: int) -> float | None:
    """Cases per full post (capacity 100 %), or None without capacity."""
    return caseload * 100 / capacity if capacity > 0 else None


# --- The objective -------------------------------------------------------------


def objective(staff: Iterable[StaffLoad]) -> float:
    """J = W_LOAD·L + W_GENDER·M(gender) + W_AGE·M(age group) for the staff
    members' situation after an allocation (see the module's docstring).
    Only those who may be given cases count; lower is better."""
    pool = sorted(available(staff), key=lambda s: s.id)
    if not pool:
        return 0.0
    top = max(s.capacity for s in pool)
    posts = [s.capacity / top for s in pool]
    mean = sum(s.caseload for s in pool) / sum(posts)
    load = sum(f * (s.caseload / f - mean) ** 2 for s, f in zip(pool, posts, strict=True))
    return (
        W_LOAD * load
        + W_GENDER * mix_spread([s.genders for s in pool])
        + W_AGE * mix_spread([s.age_groups for s in pool])
    )


def mix_spread(mixes: Sequence[Mapping[str, int]]) -> float:
    """M = Σ_s m_s · Σ_d (x_sd / m_s − p_d)²: how far each staff member's mix
    lies from the mix of them all, weighted by their number of cases."""
    overall: Counter[str] = Counter()
    for mix in mixes:
        overall.update(mix)
    everyone = sum(overall.values())
    if not everyone:
        return 0.0
    categories = sorted(overall)
    share = {d: overall[d] / everyone for d in categories}
    total = 0.0
    for mix in mixes:
        m = sum(mix.values())
        if m:
            total += m * sum((mix.get(d, 0) / m - share[d]) ** 2 for d in categories)
    return total


def staff_after(
    cases: Iterable[Case], staff: Iterable[StaffLoad], assignments: Mapping[int, int]
) -> list[StaffLoad]:
    """Each staff member as they stand once given the assigned cases."""
    given: dict[int, list[Case]] = {}
    for case in cases:
        if case.id in assignments:
            given.setdefault(assignments[case.id], []).append(case)
    result = []
    for s in staff:
        mine = given.get(s.id, [])
        ages = Counter(s.age_groups)
        genders = Counter(s.genders)
        for case in mine:
            ages[case.age_group] += 1
            genders[case.gender] += 1
        result.append(
            StaffLoad(
                id=s.id,
                caseload=s.caseload + len(mine),
                capacity=s.capacity,
                active=s.active,
                age_groups=dict(ages),
                genders=dict(genders),
            )
        )
    return result


def score(
    cases: Iterable[Case], staff: Iterable[StaffLoad], assignments: Mapping[int, int]
) -> float:
    """The objective of an allocation."""
    return objective(staff_after(cases, staff, assignments))


# --- The proposal --------------------------------------------------------------


def propose_allocation(cases: Iterable[Case], staff: Iterable[StaffLoad]) -> Proposal:
    """Propose a responsible staff member for each case: the allocation
    that minimises :func:`objective` (see the module's docstring). Cases
    stay unassigned only when no staff member is available."""
    cases = list(cases)
    staff = list(staff)
    pool = sorted(available(staff), key=lambda s: s.id)
    old = propose_tiebreak_only(cases, staff).assignments
    optimal = not pool or not cases
    if optimal:
        assignments = old
    else:
        search = _Search(cases, pool)
        start = search.greedy()
        if search.total(search.counts_of(old)) < search.total(start):
            start = search.counts_of(old)
        search.load(start)
        search.descend()
        if search.space() <= EXACT_LIMIT:
            search.branch_and_bound()
            search.descend()
            optimal = search.exact
        assignments = search.assignments()
        # Never worse than the old proposal, to the last bit of rounding.
        if score(cases, staff, old) < score(cases, staff, assignments):
            assignments = old
    after = staff_after(cases, staff, assignments)
    return Proposal(
        assignments=assignments,
        load_before={s.id: s.caseload for s in staff},
        load_after={s.id: s.caseload for s in after},
        after={s.id: s for s in after},
        score=objective(after),
        optimal=optimal,
    )


def propose_tiebreak_only(cases: Iterable[Case], staff: Iterable[StaffLoad]) -> Proposal:
    """The proposal before the objective, kept for comparison (the property
    tests show the new one is never worse): each referral, in the order
    given, to the staff member whose caseload after taking it divided by
    capacity is lowest; among those equally loaded, the one holding fewest
    people of the same age group plus the same gender; then the lowest id.
    Age and gender only break ties."""
    staff = list(staff)
    pool = available(staff)
    load = {s.id: s.caseload for s in pool}
    ages = {s.id: Counter(s.age_groups) for s in pool}
    genders = {s.id: Counter(s.genders) for s in pool}
    capacity = {s.id: s.capacity for s in pool}
    assignments: dict[int, int] = {}
    for case in cases:
        if not pool:
            break

        def key(member_id: int, case: Case = case) -> tuple[Fraction, int, int]:
            return (
                Fraction(load[member_id] + 1, capacity[member_id]),
                ages[member_id][case.age_group] + genders[member_id][case.gender],
                member_id,
            )

        chosen = min(load, key=key)
        assignments[case.id] = chosen
        load[chosen] += 1
        ages[chosen][case.age_group] += 1
        genders[chosen][case.gender] += 1
    return Proposal(
        assignments=assignments,
        load_before={s.id: s.caseload for s in staff},
        load_after={s.id: load.get(s.id, s.caseload) for s in staff},
    )


# --- The search ----------------------------------------------------------------

# A placement: for each staff member (by position in the pool), how many
# cases of each kind (by position in the kinds) they are given.
Counts = list[list[int]]


class _Search:
    """The objective kept per staff member, in sums that one added or
    removed case updates in constant time::

        φ_s = W_LOAD·n²/f + W_GENDER·(Σx_g²/m − 2Σx_g·p_g + m·Σp_g²) + W_AGE·(…)

    so that J = Σ_s φ_s − W_LOAD·N²/F (the last term is the same for every
    allocation of the same cases)."""

    def __init__(self, cases: list[Case], pool: list[StaffLoad]) -> None:
        self.cases = cases
        self.pool = pool
        top = max(s.capacity for s in pool)
        self.post = [s.capacity / top for s in pool]
        self.kinds = sorted({(c.gender, c.age_group) for c in cases})
        kind_index = {kind: k for k, kind in enumerate(self.kinds)}
        self.kind_of = [kind_index[(c.gender, c.age_group)] for c in cases]
        self.per_kind = Counter(self.kind_of)

        def categories(
            current: list[Mapping[str, int]], new: list[str]
        ) -> tuple[list[str], list[float], float]:
            overall: Counter[str] = Counter(new)
            for mix in current:
                overall.update(mix)
            names = sorted(overall)
            everyone = sum(overall.values())
            shares = [overall[d] / everyone for d in names]
            return names, shares, sum(p * p for p in shares)

        gender_names, self.p_gender, self.p2_gender = categories(
            [s.genders for s in pool], [c.gender for c in cases]
        )
        age_names, self.p_age, self.p2_age = categories(
            [s.age_groups for s in pool], [c.age_group for c in cases]
        )
        g_index = {d: i for i, d in enumerate(gender_names)}
        a_index = {d: i for i, d in enumerate(age_names)}
        self.kind_gender = [g_index[g] for g, _a in self.kinds]
        self.kind_age = [a_index[a] for _g, a in self.kinds]
        self.base_gender = [[s.genders.get(d, 0) for d in gender_names] for s in pool]
        self.base_age = [[s.age_groups.get(d, 0) for d in age_names] for s in pool]
        self.base_load = [s.caseload for s in pool]
        self.exact = False
        self.load([[0] * len(self.kinds) for _ in pool])

    # State: the counts given, and per staff member the sums φ is made of.

    def load(self, counts: Counts) -> None:
        self.given = [row[:] for row in counts]
        self.n = self.base_load[:]
        self.xg = [row[:] for row in self.base_gender]
        self.xa = [row[:] for row in self.base_age]
        self.sq_g = [sum(x * x for x in row) for row in self.xg]
        self.sq_a = [sum(x * x for x in row) for row in self.xa]
        self.lin_g = [
            sum(x * p for x, p in zip(row, self.p_gender, strict=True)) for row in self.xg
        ]
        self.lin_a = [sum(x * p for x, p in zip(row, self.p_age, strict=True)) for row in self.xa]
        self.m_g = [sum(row) for row in self.xg]
        self.m_a = [sum(row) for row in self.xa]
        for i, row in enumerate(counts):
            for k, count in enumerate(row):
                for _ in range(count):
                    self._add(i, k)

    def _add(self, i: int, k: int) -> None:
        g, a = self.kind_gender[k], self.kind_age[k]
        self.n[i] += 1
        self.sq_g[i] += 2 * self.xg[i][g] + 1
        self.xg[i][g] += 1
        self.lin_g[i] += self.p_gender[g]
        self.m_g[i] += 1
        self.sq_a[i] += 2 * self.xa[i][a] + 1
        self.xa[i][a] += 1
        self.lin_a[i] += self.p_age[a]
        self.m_a[i] += 1

    def _remove(self, i: int, k: int) -> None:
        g, a = self.kind_gender[k], self.kind_age[k]
        self.n[i] -= 1
        self.xg[i][g] -= 1
        self.sq_g[i] -= 2 * self.xg[i][g] + 1
        self.lin_g[i] -= self.p_gender[g]
        self.m_g[i] -= 1
        self.xa[i][a] -= 1
        self.sq_a[i] -= 2 * self.xa[i][a] + 1
        self.lin_a[i] -= self.p_age[a]
        self.m_a[i] -= 1

    def phi(self, i: int, out: int | None = None, into: int | None = None) -> float:
        """φ of staff member i, after giving up one case of kind ``out``
        and taking one of kind ``into`` (either may be None)."""
        n, sq_g, lin_g, m_g = self.n[i], self.sq_g[i], self.lin_g[i], self.m_g[i]
        sq_a, lin_a, m_a = self.sq_a[i], self.lin_a[i], self.m_a[i]
        xg, xa = self.xg[i], self.xa[i]
        g_out = a_out = -1
        if out is not None:
            g_out, a_out = self.kind_gender[out], self.kind_age[out]
            n -= 1
            sq_g -= 2 * xg[g_out] - 1
            lin_g -= self.p_gender[g_out]
            m_g -= 1
            sq_a -= 2 * xa[a_out] - 1
            lin_a -= self.p_age[a_out]
            m_a -= 1
        if into is not None:
            g, a = self.kind_gender[into], self.kind_age[into]
            n += 1
            sq_g += 2 * (xg[g] - (g == g_out)) + 1
            lin_g += self.p_gender[g]
            m_g += 1
            sq_a += 2 * (xa[a] - (a == a_out)) + 1
            lin_a += self.p_age[a]
            m_a += 1
        value = W_LOAD * n * n / self.post[i]
        if m_g:
            value += W_GENDER * (sq_g / m_g - 2 * lin_g + m_g * self.p2_gender)
        if m_a:
            value += W_AGE * (sq_a / m_a - 2 * lin_a + m_a * self.p2_age)
        return value

    def total(self, counts: Counts) -> float:
        self.load(counts)
        return sum(self.phi(i) for i in range(len(self.pool)))

    # Starting points.

    def counts_of(self, assignments: Mapping[int, int]) -> Counts:
        position = {s.id: i for i, s in enumerate(self.pool)}
        counts = [[0] * len(self.kinds) for _ in self.pool]
        for case, k in zip(self.cases, self.kind_of, strict=True):
            counts[position[assignments[case.id]]][k] += 1
        return counts

    def greedy(self) -> Counts:
        """Each case, in the order given, to whoever raises J least."""
        self.load([[0] * len(self.kinds) for _ in self.pool])
        for k in self.kind_of:
            best, best_delta = 0, float("inf")
            for i in range(len(self.pool)):
                delta = self.phi(i, into=k) - self.phi(i)
                if delta < best_delta - EPSILON:
                    best, best_delta = i, delta
            self._add(best, k)
            self.given[best][k] += 1
        return [row[:] for row in self.given]

    # Local search.

    def descend(self) -> None:
        """Steepest descent over moves of one case and swaps of two, from
        the loaded state, until neither lowers J."""
        staff = range(len(self.pool))
        kinds = range(len(self.kinds))
        add = [[0.0] * len(self.kinds) for _ in staff]
        remove = [[0.0] * len(self.kinds) for _ in staff]
        swap = [[[0.0] * len(self.kinds) for _ in kinds] for _ in staff]

        def refresh(i: int) -> None:
            here = self.phi(i)
            for k in kinds:
                add[i][k] = self.phi(i, into=k) - here
                if self.given[i][k]:
                    remove[i][k] = self.phi(i, out=k) - here
                    for k2 in kinds:
                        if k2 != k:
                            swap[i][k][k2] = self.phi(i, out=k, into=k2) - here

        for i in staff:
            refresh(i)
        while True:
            best = -EPSILON
            step: tuple[int, int, int, int | None] | None = None
            for k in kinds:
                for i in staff:
                    if not self.given[i][k]:
                        continue
                    for j in staff:
                        if j != i and remove[i][k] + add[j][k] < best:
                            best = remove[i][k] + add[j][k]
                            step = (i, k, j, None)
                    for k2 in kinds:
                        if k2 <= k:
                            continue
                        for j in staff:
                            if j != i and self.given[j][k2]:
                                delta = swap[i][k][k2] + swap[j][k2][k]
                                if delta < best:
                                    best = delta
                                    step = (i, k, j, k2)
            if step is None:
                return
            i, k, j, back = step
            self._remove(i, k)
            self.given[i][k] -= 1
            self._add(j, k)
            self.given[j][k] += 1
            if back is not None:
                self._remove(j, back)
                self.given[j][back] -= 1
                self._add(i, back)
                self.given[i][back] += 1
            refresh(i)
            refresh(j)

    # Branch and bound.

    def space(self) -> int:
        """The number of distinct allocations (capped just above the limit)."""
        size = 1
        for count in self.per_kind.values():
            size *= comb(count + len(self.pool) - 1, len(self.pool) - 1)
            if size > EXACT_LIMIT:
                return EXACT_LIMIT + 1
        return size

    def branch_and_bound(self) -> None:
        """Every distinct allocation not cut off by the bound, from the
        loaded state as the best so far; ends with the best loaded.

        The bound: J is convex in the counts (the workload is a sum of
        squares, each mix term a sum of quadratic-over-linear terms), so each
        further case of a kind adds at least the smallest slope, over the
        staff members, of J in that kind's direction now. Staff members who
        stand alike (capacity, caseload, mix) are interchangeable: the later
        of two is given a first case only once the earlier has one."""
        best_counts = [row[:] for row in self.given]
        best_value = sum(self.phi(i) for i in range(len(self.pool)))
        kinds = range(len(self.kinds))
        slots = [k for k in kinds for _ in range(self.per_kind[k])]
        # For each slot, the cases left after it: (kind, how many).
        ahead = [
            [(k, slots[slot:].count(k)) for k in kinds if k in slots[slot:]]
            for slot in range(len(slots))
        ]
        staff = range(len(self.pool))
        alike: list[int | None] = []
        for i, s in enumerate(self.pool):
            twins = [
                j
                for j in range(i)
                if (s.capacity, s.caseload) == (self.pool[j].capacity, self.pool[j].caseload)
                and self.base_gender[j] == self.base_gender[i]
                and self.base_age[j] == self.base_age[i]
            ]
            alike.append(twins[-1] if twins else None)
        self.load([[0] * len(self.kinds) for _ in self.pool])
        phis = [self.phi(i) for i in staff]
        post, n, base = self.post, self.n, self.base_load
        xg, xa, sq_g, sq_a, m_g, m_a = self.xg, self.xa, self.sq_g, self.sq_a, self.m_g, self.m_a
        p_gender, p_age, p2_gender, p2_age = self.p_gender, self.p_age, self.p2_gender, self.p2_age
        kind_gender, kind_age = self.kind_gender, self.kind_age

        def slope(i: int, k: int) -> float:
            value = W_LOAD * (2 * n[i] + 1) / post[i]
            if m_g[i]:
                g = kind_gender[k]
                m = m_g[i]
                value += W_GENDER * (
                    (2 * xg[i][g] * m - sq_g[i]) / (m * m) - 2 * p_gender[g] + p2_gender
                )
            if m_a[i]:
                a = kind_age[k]
                m = m_a[i]
                value += W_AGE * ((2 * xa[i][a] * m - sq_a[i]) / (m * m) - 2 * p_age[a] + p2_age)
            return value

        nodes = 0

        def visit(slot: int, first: int, value: float) -> None:
            nonlocal best_value, best_counts, nodes
            nodes += 1
            if nodes > NODE_LIMIT:
                return
            if slot == len(slots):
                if value < best_value - EPSILON:
                    best_value, best_counts = value, [row[:] for row in self.given]
                return
            bound = value
            for k, left in ahead[slot]:
                bound += left * min(slope(i, k) for i in staff)
            if bound >= best_value - EPSILON:
                return
            k = slots[slot]
            # Cases of one kind go to staff in order, so each allocation
            # of counts is seen once.
            start = first if slot and slots[slot - 1] == k else 0
            for i in range(start, len(self.pool)):
                twin = alike[i]
                if twin is not None and n[i] == base[i] and n[twin] == base[twin]:
                    continue
                before = phis[i]
                self._add(i, k)
                self.given[i][k] += 1
                phis[i] = self.phi(i)
                visit(slot + 1, i, value - before + phis[i])
                self._remove(i, k)
                self.given[i][k] -= 1
                phis[i] = before

        visit(0, 0, sum(phis))
        self.load(best_counts)
        self.exact = nodes <= NODE_LIMIT

    def assignments(self) -> dict[int, int]:
        """The loaded counts as case id → staff id: the cases of each kind in
        the order given, to the staff members in order of id."""
        left = [row[:] for row in self.given]
        result: dict[int, int] = {}
        for case, k in zip(self.cases, self.kind_of, strict=True):
            i = next(i for i in range(len(self.pool)) if left[i][k])
            left[i][k] -= 1
            result[case.id] = self.pool[i].id
        return result
