"""The weekly meeting's balancing function: pure, so no database."""

from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.allocation import AGE_GROUPS, Case, StaffLoad, age_group, propose_allocation

GROUPS = [label for _upper, label in AGE_GROUPS]
GENDERS = ["kvinna", "man", "annat"]


def cases(n, *, group="25–34", gender="kvinna", start=1):
    return [Case(id=start + i, age_group=group, gender=gender) for i in range(n)]


def test_it_gives_each_case_to_the_least_loaded():
    staff = [StaffLoad(id=1, caseload=5), StaffLoad(id=2, caseload=2), StaffLoad(id=3, caseload=3)]
    proposal = propose_allocation(cases(3), staff)
    assert proposal.load_after == {1: 5, 2: 4, 3: 4}
    assert proposal.load_before == {1: 5, 2: 2, 3: 3}


def test_it_weighs_caseload_by_capacity():
    # Half time holds half as many cases.
    staff = [StaffLoad(id=1, caseload=0, capacity=100), StaffLoad(id=2, caseload=0, capacity=50)]
    proposal = propose_allocation(cases(9), staff)
    assert proposal.load_after == {1: 6, 2: 3}


def test_it_evens_out_gender_and_age_among_equally_loaded_staff():
    staff = [
        StaffLoad(id=1, caseload=2, genders={"kvinna": 2}, age_groups={"18–24": 2}),
        StaffLoad(id=2, caseload=2, genders={"man": 2}, age_groups={"55–64": 2}),
    ]
    woman = Case(id=10, age_group="18–24", gender="kvinna")
    man = Case(id=11, age_group="55–64", gender="man")
    assert propose_allocation([woman], staff).assignments == {10: 2}
    assert propose_allocation([man], staff).assignments == {11: 1}


def test_it_never_proposes_inactive_or_zero_capacity_accounts():
    staff = [
        StaffLoad(id=1, caseload=9),
        StaffLoad(id=2, caseload=0, active=False),
        StaffLoad(id=3, caseload=0, capacity=0),
    ]
    assert set(propose_allocation(cases(4), staff).assignments.values()) == {1}


def test_it_leaves_cases_unassigned_without_staff():
    proposal = propose_allocation(cases(2), [StaffLoad(id=1, caseload=0, active=False)])
    assert proposal.assignments == {}


def test_it_is_deterministic():
    staff = [StaffLoad(id=i, caseload=i % 3) for i in range(1, 6)]
    assert propose_allocation(cases(7), staff) == propose_allocation(cases(7), staff)


def test_age_groups_cover_the_eligible_ages():
    assert age_group(18) == "18–24"
    assert age_group(25) == "25–34"
    assert age_group(64) == "55–64"


# --- Properties ---------------------------------------------------------------

case_strategy = st.builds(
    Case, id=st.just(0), age_group=st.sampled_from(GROUPS), gender=st.sampled_from(GENDERS)
)


def numbered(case_list):
    return [Case(id=i, age_group=c.age_group, gender=c.gender) for i, c in enumerate(case_list)]


@settings(max_examples=300, deadline=None)
@given(
    loads=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8),
    capacity=st.integers(min_value=1, max_value=100),
    new_cases=st.lists(case_strategy, max_size=40),
)
def test_equal_capacities_spread_at_most_one_where_the_input_allows(loads, capacity, new_cases):
    staff = [StaffLoad(id=i + 1, caseload=n, capacity=capacity) for i, n in enumerate(loads)]
    proposal = propose_allocation(numbered(new_cases), staff)
    after = list(proposal.load_after.values())
    assert len(proposal.assignments) == len(new_cases)
    assert sum(after) == sum(loads) + len(new_cases)
    # Enough new cases to lift everyone to the current maximum: even to one.
    room = sum(max(loads) - n for n in loads)
    if len(new_cases) >= room:
        assert max(after) - min(after) <= 1
    else:
        # Otherwise nobody is pushed above the current maximum.
        assert max(after) == max(loads)
    assert max(after) - min(after) <= max(1, max(loads) - min(loads))


@settings(max_examples=300, deadline=None)
@given(
    staff=st.lists(
        st.builds(
            StaffLoad,
            id=st.integers(min_value=1, max_value=10_000),
            caseload=st.integers(min_value=0, max_value=30),
            capacity=st.integers(min_value=0, max_value=100),
            active=st.booleans(),
        ),
        max_size=8,
        unique_by=lambda s: s.id,
    ),
    new_cases=st.lists(case_strategy, max_size=30),
)
def test_it_never_assigns_to_an_inactive_account(staff, new_cases):
    proposal = propose_allocation(numbered(new_cases), staff)
    available = {s.id for s in staff if s.active and s.capacity > 0}
    assert set(proposal.assignments.values()) <= available
    if available:
        assert len(proposal.assignments) == len(new_cases)
    else:
        assert proposal.assignments == {}
    for s in staff:
        if s.id not in available:
            assert proposal.load_after[s.id] == s.caseload
