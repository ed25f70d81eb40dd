"""Employer collaboration in the results: placements and hires per employer
and per form of support.

Definitions (same filter as the results: period, referring organisation,
responsible staff member, all on the participant):

- a **placement** (internship or work trial) counts when it overlaps the
  period: start ≤ ``to`` and (no end, or end ≥ ``from``);
- a **hire** is an employment placement that starts inside the period,
  counted by its form of support (none, lönebidrag, nystartsjobb, introjobb,
  extratjänst);
- an **employer** counts when it has a placement or a hire counted; a
  duplicate merged into another counts as the one it was merged into.

Project staff and administrators see the figures per employer. The
steering group sees aggregates only (the number of employers, placements
by kind, hires by form of support), never an employer's name, with the
results' disclosure control (:mod:`reports.protection`): small counts and
what would reveal them hidden, nothing at all for a handful.

One query for the figures whatever the number of placements, and one for
the employers' names when they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from employers.models import Employer, Placement, SupportForm

from .disclosure import Key, Protection, Sum, Table, protect
from .protection import HIDDEN, Policy
from .results import ResultsFilter

PLACEMENT_KINDS = [Placement.Kind.INTERNSHIP.value, Placement.Kind.WORK_TRIAL.value]
SUPPORT_FORMS = [value for value, _label in SupportForm.choices]
SUPPORT_LABELS = {value: label for value, label in SupportForm.choices}
KIND_LABELS = {
    Placement.Kind.INTERNSHIP.value: _("Praktik"),
    Placement.Kind.WORK_TRIAL.value: _("Arbetsprövning"),
}

EMPLOYERS = "employers"
PLACEMENTS = "placements"
HIRES = "hires"
ALL = "all"

Cell = int | str


def hire_key(support_form: str) -> str:
    return f"hire.{support_form or 'none'}"


@dataclass
class EmployerRow:
    employer_id: int
    name: str
    by_kind: dict[str, int]
    hires_by_form: dict[str, int]

    @property
    def hires(self) -> int:
        return sum(self.hires_by_form.values())

    @property
    def cells(self) -> list[int]:
        """In the table's column order: each kind of placement, the hires,
        the hires by form of support."""
        return [
            *(self.by_kind[k] for k in PLACEMENT_KINDS),
            self.hires,
            *(self.hires_by_form[f] for f in SUPPORT_FORMS),
        ]


@dataclass
class EmployerResults:
    filters: ResultsFilter
    by_kind: dict[str, int]
    hires_by_form: dict[str, int]
    employers: int
    rows: list[EmployerRow] = field(default_factory=list)

    @property
    def placements(self) -> int:
        return sum(self.by_kind.values())

    @property
    def hires(self) -> int:
        return sum(self.hires_by_form.values())

    @property
    def total(self) -> int:
        return self.placements + self.hires


def _counted(filters: ResultsFilter) -> Q:
    start, end = filters.date_from, filters.date_to
    overlaps = Q(kind__in=PLACEMENT_KINDS)
    if end is not None:
        overlaps &= Q(start_date__lte=end)
    if start is not None:
        overlaps &= Q(end_date__isnull=True) | Q(end_date__gte=start)
    hired = Q(kind=Placement.Kind.EMPLOYMENT)
    if start is not None:
        hired &= Q(start_date__gte=start)
    if end is not None:
        hired &= Q(start_date__lte=end)
    condition = overlaps | hired
    if filters.referring_organisation is not None:
        condition &= Q(participant__referring_organisation=filters.referring_organisation)
    if filters.responsible is not None:
        condition &= Q(participant__responsible=filters.responsible)
    return condition


def employer_results_compute(filters: ResultsFilter, *, per_employer: bool) -> EmployerResults:
    """The figures for the filter; ``per_employer`` adds the rows per
    employer with their names (never for the steering group)."""
    grouped = (
        Placement.objects.filter(_counted(filters))
        .annotate(employer_key=Coalesce("employer__merged_into_id", "employer_id"))
        .order_by()
        .values_list("employer_key", "kind", "support_form")
        .annotate(n=Count("id"))
    )
    by_kind = dict.fromkeys(PLACEMENT_KINDS, 0)
    hires_by_form = dict.fromkeys(SUPPORT_FORMS, 0)
    per: dict[int, EmployerRow] = {}
    for employer_id, kind, support_form, n in grouped:
        row = per.setdefault(
            employer_id,
            EmployerRow(
                employer_id, "", dict.fromkeys(PLACEMENT_KINDS, 0), dict.fromkeys(SUPPORT_FORMS, 0)
            ),
        )
        if kind == Placement.Kind.EMPLOYMENT:
            form = support_form if support_form in hires_by_form else ""
            hires_by_form[form] += n
            row.hires_by_form[form] += n
        else:
            by_kind[kind] += n
            row.by_kind[kind] += n
    rows: list[EmployerRow] = []
    if per_employer and per:
        names = dict(Employer.objects.filter(pk__in=list(per)).values_list("pk", "name"))
        for row in per.values():
            row.name = names.get(row.employer_id, "")
        rows = sorted(per.values(), key=lambda r: (-(r.hires + sum(r.by_kind.values())), r.name))
    return EmployerResults(
        filters=filters,
        by_kind=by_kind,
        hires_by_form=hires_by_form,
        employers=len(per),
        rows=rows,
    )


def employer_table(r: EmployerResults) -> Table:
    """The steering group's aggregates as one table for the disclosure
    control: placements by kind and hires by form add up to their totals.
    The number of employers counts organisations, not people: always
    shown."""
    counts: dict[Key, int] = {EMPLOYERS: r.employers, PLACEMENTS: r.placements, HIRES: r.hires}
    counts[ALL] = r.total
    counts.update(r.by_kind)
    counts.update({hire_key(f): n for f, n in r.hires_by_form.items()})
    return Table(
        counts=counts,
        sums=[
            Sum(PLACEMENTS, tuple(PLACEMENT_KINDS)),
            Sum(HIRES, tuple(hire_key(f) for f in SUPPORT_FORMS)),
            Sum(ALL, (PLACEMENTS, HIRES)),
        ],
        always_shown=frozenset({EMPLOYERS}),
    )


def employer_protection(r: EmployerResults, policy: Policy | None) -> Protection | None:
    """None: every figure exact. A handful of placements and hires in all
    shows nothing."""
    if policy is None:
        return None
    if policy.withholds(r.total):
        return Protection(hidden=frozenset(), primary=frozenset(), withheld=True)
    try:
        return protect(employer_table(r), policy.threshold)
    except ValueError:
        return Protection(hidden=frozenset(), primary=frozenset(), withheld=True)


@dataclass
class Line:
    label: str
    value: Cell


@dataclass
class EmployerReport:
    """What the page shows: the aggregates (with hidden cells as
    :data:`HIDDEN`) and, for staff, the rows per employer."""

    results: EmployerResults
    withheld: bool
    masked: bool
    employers: Cell
    placements: list[Line]
    placements_total: Cell
    hires: list[Line]
    hires_total: Cell
    total: Cell
    rows: list[EmployerRow]
    support_labels: list[str]
    notice: str = ""  # why figures are hidden, for the steering group


def employer_report(r: EmployerResults, policy: Policy | None) -> EmployerReport:
    protection = employer_protection(r, policy)

    def show(key: str, value: int) -> Cell:
        if protection is None or protection.shows(key):
            return value
        return HIDDEN

    withheld = protection is not None and protection.withheld
    notice = ""
    if withheld:
        notice = gettext(
            "Av sekretesskäl visas inga siffror för det här urvalet: de går inte att "
            "visa utan att uppgifter om enskilda personer kan räknas fram."
        )
    elif protection is not None and protection.hidden and policy is not None:
        notice = gettext(
            "Av sekretesskäl visas inte antal från 1 till %(largest)s, och inte heller de "
            "antal som de skulle kunna räknas fram ur. De står som %(hidden)s."
        ) % {"largest": policy.threshold - 1, "hidden": HIDDEN}
    return EmployerReport(
        results=r,
        withheld=withheld,
        masked=protection is not None and bool(protection.hidden),
        employers=HIDDEN if withheld else r.employers,
        placements=[Line(str(KIND_LABELS[k]), show(k, r.by_kind[k])) for k in PLACEMENT_KINDS],
        placements_total=show(PLACEMENTS, r.placements),
        hires=[
            Line(str(SUPPORT_LABELS[f]), show(hire_key(f), r.hires_by_form[f]))
            for f in SUPPORT_FORMS
        ],
        hires_total=show(HIRES, r.hires),
        total=show(ALL, r.total),
        rows=r.rows if policy is None else [],
        support_labels=[str(SUPPORT_LABELS[f]) for f in SUPPORT_FORMS],
        notice=notice,
    )
