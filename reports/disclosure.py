"""Statistical disclosure control: which figures of a set of linked tables
to hide so that no hidden count can be worked out from what is shown.

Pure Python (no Django, no database), so that it can be tested on its own
and costs the pages that use it no query.

The model
---------
A :class:`Table` holds every count shown, by key (a count shown in two
places is one key); the sums that link them as displayed (:class:`Sum`: a
row, column or grand total and its parts); what the figures' definitions
say between counts that no sum links (:class:`AtMost`: one sum of counts is
never larger than another, e.g. those with a self-support result are among
those with a move); the figures derived from counts (shares, goal
statuses), which are shown only when every count they come from is; and
the counts that are always shown (the cohort's size).

Whoever reads the tables is assumed to know every shown figure, every sum
and every inequality, and that counts are whole numbers ≥ 0. A hidden count
is *protected* when at least two of its values are consistent with all of
that; every hidden count the result leaves is protected.

The method
----------
1. Primary suppression: every count with 0 < n < threshold.
2. Secondary suppression: while a sum has exactly one hidden member (part
   or total), hide the smallest other member that is not always shown. A
   zero is a candidate too (a hidden zero hides as well as any other
   count), unless the shown figures pin it (a zero under a shown zero).
3. Audit: for every hidden count, look for a second solution of the whole
   system (the shown figures, every sum and inequality, every count ≥ 0)
   in which that count has another value. Where there is none, hide the
   smallest shown count that shares a sum or an inequality with it and go
   back to 2. This covers what 2 alone does not: inequalities (with
   ``W ≤ T`` per column and ``W = T`` shown, each column's W equals its T),
   zeros pinned by shown zeros, and complements that link two hidden
   cells through a single path rather than a cycle.
4. Derived figures are hidden with the counts they come from.

Each connected part of the table (counts linked through sums and
inequalities, not counting the always shown) is protected on its own, so a
part gives the same answer whatever else is computed beside it. If hiding
every count of a part still leaves a hidden count unprotected, the result
is *withheld*: show no figures at all.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

Key = Hashable

# How many search steps the audit may spend on one hidden count before it
# counts it as unprotected (and hides more): a bound on the time a page
# spends, never a risk (a search that gives up only hides more).
SEARCH_BUDGET = 5_000
# Bound tightening per propagation, in passes over the constraints;
# propagation only prunes, every solution is checked exactly, so stopping
# early is safe.
PROPAGATION_PASSES = 60


@dataclass(frozen=True)
class Sum:
    """``total`` = the sum of ``parts``, as the tables display it."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class AtMost:
    """The sum of ``smaller`` is never larger than the sum of ``larger``:
    something the figures' definitions say."""

    smaller: tuple[Key, ...]
    larger: tuple[Key, ...]


@dataclass
class Table:
    counts: dict[Key, int]
    sums: list[Sum] = field(default_factory=list)
    at_most: list[AtMost] = field(default_factory=list)
    # A derived figure (a share, a goal's status) and the counts it comes from.
    derived: dict[Key, tuple[Key, ...]] = field(default_factory=dict)
    always_shown: frozenset[Key] = frozenset()

    def check(self) -> None:
        """Every key known, every count a whole number ≥ 0, and the counts
        consistent with every sum and inequality (a table that breaks its
        own rules would make the audit meaningless)."""
        for key, value in self.counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"count {key!r} is not a whole number ≥ 0: {value!r}")
        for linear in _linears(self):
            for key, _a in linear.coeffs:
                if key not in self.counts:
                    raise ValueError(f"unknown count {key!r}")
            if not linear.holds(self.counts):
                raise ValueError(f"the counts break {linear.source!r}")
        for key, sources in self.derived.items():
            if key in self.counts:
                raise ValueError(f"derived figure {key!r} is also a count")
            for source in sources:
                if source not in self.counts:
                    raise ValueError(f"derived figure {key!r} from unknown count {source!r}")


@dataclass(frozen=True)
class Protection:
    """What to hide: counts and derived figures (``hidden``); ``primary``
    the counts below the threshold. ``withheld``: show no figure at all."""

    hidden: frozenset[Key]
    primary: frozenset[Key]
    withheld: bool = False

    @property
    def secondary(self) -> frozenset[Key]:
        return self.hidden - self.primary

    def shows(self, key: Key) -> bool:
        return not self.withheld and key not in self.hidden


@dataclass(frozen=True)
class _Linear:
    """sum(a · x) == 0 (``equal``) or ≤ 0."""

    coeffs: tuple[tuple[Key, int], ...]
    equal: bool
    source: Sum | AtMost

    def holds(self, values: Mapping[Key, int]) -> bool:
        total = sum(a * values[k] for k, a in self.coeffs)
        return total == 0 if self.equal else total <= 0


def _combine(pairs: Iterable[tuple[Key, int]]) -> tuple[tuple[Key, int], ...]:
    coeffs: dict[Key, int] = {}
    for key, a in pairs:
        coeffs[key] = coeffs.get(key, 0) + a
    return tuple((k, a) for k, a in coeffs.items() if a)


def _linears(table: Table) -> list[_Linear]:
    linears = []
    for s in table.sums:
        pairs = [(p, 1) for p in s.parts] + [(s.total, -1)]
        linears.append(_Linear(_combine(pairs), True, s))
    for m in table.at_most:
        pairs = [(k, 1) for k in m.smaller] + [(k, -1) for k in m.larger]
        linears.append(_Linear(_combine(pairs), False, m))
    return linears


def primary_cells(counts: Mapping[Key, int], threshold: int) -> list[Key]:
    """The counts with 0 < n < threshold."""
    return [k for k, n in counts.items() if 0 < n < threshold]


def protect(table: Table, threshold: int) -> Protection:
    """Which figures of ``table`` to hide (the method above)."""
    table.check()
    primary = [k for k in primary_cells(table.counts, threshold) if k not in table.always_shown]
    if any(k in table.always_shown for k in primary_cells(table.counts, threshold)):
        # An always-shown count is itself too small: nothing can be shown.
        return _withheld(table, primary)
    linears = _linears(table)
    cap = 2 * max(table.counts.values(), default=0) + 2
    hidden: set[Key] = set()
    for component in _components(table, linears):
        keys = set(component)
        part = [lin for lin in linears if any(k in keys for k, _a in lin.coeffs)]
        solver = _Component(table, component, part, cap)
        found = solver.protect([k for k in primary if k in keys])
        if found is None:
            return _withheld(table, primary)
        hidden |= found
    for key, sources in table.derived.items():
        if any(s in hidden for s in sources):
            hidden.add(key)
    return Protection(hidden=frozenset(hidden), primary=frozenset(primary))


def _withheld(table: Table, primary: list[Key]) -> Protection:
    return Protection(
        hidden=frozenset(table.counts) | frozenset(table.derived),
        primary=frozenset(primary),
        withheld=True,
    )


def _components(table: Table, linears: Sequence[_Linear]) -> Iterator[list[Key]]:
    """The counts (not always shown) linked through sums and inequalities,
    part by part, in the table's order."""
    parent: dict[Key, Key] = {k: k for k in table.counts if k not in table.always_shown}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for lin in linears:
        keys = [k for k, _a in lin.coeffs if k in parent]
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[b] = a
    groups: dict[Key, list[Key]] = {}
    for k in parent:
        groups.setdefault(find(k), []).append(k)
    yield from groups.values()


class _OutOfBudget(Exception):
    pass


class _Component:
    """One connected part of the table: its counts, constraints and the
    searches of steps 2 and 3."""

    def __init__(self, table: Table, keys: list[Key], linears: list[_Linear], cap: int):
        self.values = table.counts
        self.keys = keys
        self.order = {k: i for i, k in enumerate(keys)}
        self.candidates = set(keys)  # never the always shown
        self.linears = linears
        self.cap = cap
        self.neighbours: dict[Key, list[Key]] = {k: [] for k in keys}
        for lin in linears:
            members = [k for k, _a in lin.coeffs if k in self.candidates]
            for k in members:
                self.neighbours[k].extend(m for m in members if m != k)
        self.sums = [lin for lin in linears if lin.equal]
        self._reduced_cache: dict[frozenset[Key], _Reduced] = {}
        self._bounds_cache: dict[frozenset[Key], tuple[dict[Key, int], dict[Key, int]]] = {}

    # --- Step 2 -------------------------------------------------------------

    def _complete_sums(self, hidden: set[Key]) -> bool:
        """Hide complements until no sum has exactly one hidden member;
        False when a sum has one and nothing left to hide."""
        changed = True
        while changed:
            changed = False
            for lin in self.sums:
                members = [k for k, _a in lin.coeffs]
                if sum(1 for k in members if k in hidden) != 1:
                    continue
                choice = self._pick([k for k in members if k in self.candidates], hidden)
                if choice is None:
                    return False
                hidden.add(choice)
                changed = True
        return True

    def _pick(self, members: Iterable[Key], hidden: set[Key]) -> Key | None:
        """The smallest member not hidden yet, preferring one the shown
        figures do not pin."""
        free = sorted(
            {k for k in members if k not in hidden},
            key=lambda k: (self.values[k], self.order[k]),
        )
        for k in free:
            if not self._pinned(k, hidden):
                return k
        return free[0] if free else None

    def _pinned(self, key: Key, hidden: set[Key]) -> bool:
        """Would ``key``, hidden too, be pinned to one value by bounds
        alone?"""
        lo, hi = self._domains(hidden | {key})
        if not self._propagate(lo, hi):
            return True
        return lo[key] == hi[key]

    # --- Step 3 -------------------------------------------------------------

    def protect(self, primary: list[Key]) -> set[Key] | None:
        hidden = set(primary)
        witnessed: set[Key] = set()
        while True:
            if not self._complete_sums(hidden):
                return None
            unprotected = None
            for key in sorted(hidden, key=self.order.__getitem__):
                if key in witnessed:
                    continue
                solution = self._witness(key, hidden)
                if solution is None:
                    unprotected = key
                    break
                # The same solution shows every count it changes protected;
                # hiding more later only widens the choice, so it stays so.
                witnessed |= {k for k, v in solution.items() if v != self.values[k]}
            if unprotected is None:
                return hidden
            choice = self._pick(self.neighbours[unprotected], hidden)
            if choice is None:
                choice = self._pick(self.keys, hidden)
            if choice is None:
                return None
            hidden.add(choice)

    def _witness(self, key: Key, hidden: set[Key]) -> dict[Key, int] | None:
        """A solution of the system, with ``hidden`` unknown, in which
        ``key`` has another value: the nearest first (one more or one less
        is usual; a relation such as a = b beside a + b + c = n can make
        the next value two away)."""
        value = self.values[key]
        budget = [SEARCH_BUDGET]
        base_lo, base_hi = self._bounds(frozenset(hidden))
        try:
            for other in _near(value, base_lo[key], base_hi[key]):
                if other == value:
                    continue
                lo, hi = dict(base_lo), dict(base_hi)
                lo[key] = hi[key] = other
                solution = self._search(lo, hi, budget, key)
                if solution is not None:
                    return solution
        except _OutOfBudget:
            pass
        return None

    def _domains(self, hidden: set[Key]) -> tuple[dict[Key, int], dict[Key, int]]:
        return dict.fromkeys(hidden, 0), dict.fromkeys(hidden, self.cap)

    def _bounds(self, hidden: frozenset[Key]) -> tuple[dict[Key, int], dict[Key, int]]:
        """The bounds of the hidden counts that the shown figures give
        (every solution lies within them), kept per hidden set."""
        bounds = self._bounds_cache.get(hidden)
        if bounds is None:
            lo, hi = self._domains(set(hidden))
            self._propagate(lo, hi)  # the true values are a solution: never False
            bounds = self._bounds_cache[hidden] = (lo, hi)
        return bounds

    def _search(
        self, lo: dict[Key, int], hi: dict[Key, int], budget: list[int], changed: Key = None
    ) -> dict[Key, int] | None:
        """Depth first, each count's own value tried first (the true values
        solve everything but the one count moved, so a solution is usually
        near). ``changed``: the only count fixed since the bounds were last
        tightened."""
        budget[0] -= 1
        if budget[0] < 0:
            raise _OutOfBudget
        if not self._propagate(lo, hi, changed):
            return None
        free = [k for k in lo if lo[k] < hi[k]]
        if not free:
            solution = dict(lo)
            values = {**self.values, **solution}
            return solution if all(lin.holds(values) for lin in self.linears) else None
        key = min(free, key=lambda k: (hi[k] - lo[k], self.order[k]))
        for value in _near(self.values[key], lo[key], hi[key]):
            lo2, hi2 = dict(lo), dict(hi)
            lo2[key] = hi2[key] = value
            found = self._search(lo2, hi2, budget, key)
            if found is not None:
                return found
        return None

    def _reduced(self, unknown: frozenset[Key]) -> _Reduced:
        """The constraints with ``unknown`` as the only variables (the
        shown counts folded into a constant), and which constraints each
        unknown is in. Kept per set of unknowns: the audit asks for the
        same set many times."""
        reduced = self._reduced_cache.get(unknown)
        if reduced is None:
            rows: list[tuple[tuple[tuple[Key, int], ...], int, bool]] = []
            touching: dict[Key, list[int]] = {k: [] for k in unknown}
            for lin in self.linears:
                terms = tuple((k, a) for k, a in lin.coeffs if k in unknown)
                if not terms:
                    continue
                const = sum(a * self.values[k] for k, a in lin.coeffs if k not in unknown)
                for k, _a in terms:
                    touching[k].append(len(rows))
                rows.append((terms, const, lin.equal))
            reduced = self._reduced_cache[unknown] = _Reduced(rows, touching)
        return reduced

    def _propagate(self, lo: dict[Key, int], hi: dict[Key, int], changed: Key = None) -> bool:
        """Tighten the bounds of the unknown counts from the constraints
        (those with ``changed`` in them, if given: the rest are tight
        already), revisiting a constraint when a bound in it changes; False
        when one cannot hold."""
        reduced = self._reduced(frozenset(lo))
        rows = reduced.rows
        queue = list(range(len(rows))) if changed is None else list(reduced.touching[changed])
        queued = set(queue)
        steps = PROPAGATION_PASSES * max(1, len(rows))
        while queue and steps > 0:
            steps -= 1
            index = queue.pop()
            queued.discard(index)
            terms, const, equal = rows[index]
            smin = smax = const
            for k, a in terms:
                if a > 0:
                    smin += a * lo[k]
                    smax += a * hi[k]
                else:
                    smin += a * hi[k]
                    smax += a * lo[k]
            if smin > 0 or (equal and smax < 0):
                return False
            for k, a in terms:
                low, high = lo[k], hi[k]
                # a·x ≤ own minimum − smin; for a sum also a·x ≥ own maximum − smax.
                if a > 0:
                    hi[k] = min(high, (a * low - smin) // a)
                    if equal:
                        lo[k] = max(low, -((smax - a * high) // a))
                else:
                    lo[k] = max(low, -((smin - a * high) // a))
                    if equal:
                        hi[k] = min(high, (a * low - smax) // a)
                if lo[k] > hi[k]:
                    return False
                if lo[k] != low or hi[k] != high:
                    for other in reduced.touching[k]:
                        if other not in queued:
                            queued.add(other)
                            queue.append(other)
        return True


@dataclass
class _Reduced:
    rows: list[tuple[tuple[tuple[Key, int], ...], int, bool]]
    touching: dict[Key, list[int]]


def _near(value: int, lo: int, hi: int) -> Iterator[int]:
    """lo..hi, nearest to ``value`` first."""
    start = min(max(value, lo), hi)
    yield start
    step = 1
    while start - step >= lo or start + step <= hi:
        if start + step <= hi:
            yield start + step
        if start - step >= lo:
            yield start - step
        step += 1
