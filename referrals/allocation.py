"""The weekly meeting's proposed allocation, as a pure function.

No database, no Django: it takes the staff members' current caseloads and
the referrals to allocate, and returns who should take which. The meeting
page shows the proposal; staff may change any line before confirming.

How it balances, in order of weight:

1. **Caseload weighted by capacity.** Each referral goes to the staff
   member whose load *after* taking it, divided by their capacity (the
   percentage of full time they work in the project), is lowest. With equal
   capacities this is "the one with fewest cases", so the caseload spread
   after allocation is at most one case wherever the number of referrals
   allows it, and never larger than before.
2. **The mix of age groups and genders.** Among the staff members equally
   loaded by (1), the referral goes to the one who holds the fewest people of
   the same age group and gender as the referred person.
3. **A stable tie-break** (the staff member's id), so the same input always
   gives the same proposal.

Only active accounts with a capacity above zero are ever proposed. Referrals
are placed in the order given (the oldest first, as the meeting reads them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

# Age groups used to even out the mix (upper bounds inclusive).
AGE_GROUPS = ((24, "18–24"), (34, "25–34"), (44, "35–44"), (54, "45–54"), (200, "55–64"))


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


def available(staff: Iterable[StaffLoad]) -> list[StaffLoad]:
    """The staff members who may be given cases."""
    return [s for s in staff if s.active and s.capacity > 0]


def propose_allocation(cases: Iterable[Case], staff: Iterable[StaffLoad]) -> Proposal:
    """Propose a responsible staff member for each case (see the module's
    docstring for the rules). Cases stay unassigned only when no staff
    member is available."""
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

        def key(member_id: int, case=case):
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
