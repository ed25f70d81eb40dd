"""The results as the dashboard, the workbook and the PDF show them: key
figures and breakdown tables, with the steering group's statistical
disclosure control applied when the settings ask for it
(:mod:`reports.protection`). The three outputs render the same
:class:`Report`, so they say the same thing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .protection import (
    BEFORE_AFTER_COUNT,
    GOAL_2,
    GOAL_3,
    HIDDEN,
    SELF_SUPPORT,
    SHARE_SELF_SUPPORT,
    SHARE_WITH_MOVE,
    TOTAL,
    WITH_MOVE,
    before_after_key,
    gender_key,
    month_key,
    policy_for,
    results_protection,
    shown,
)
from .results import GENDER_LABELS, Results

Cell = int | str

# Excel allows 31 characters in a sheet name.
SHEET_NAMES = {
    "kon": _lazy("Kön"),
    "egen_forsorjning": _lazy("Egen försörjning"),
    "forflyttningar": _lazy("Stegvisa förflyttningar"),
    "kon_per_utfall": _lazy("Kön per utfall"),
    "aktiva_per_manad": _lazy("Aktiva per månad"),
    "fore_efter_sysselsattning": _lazy("Sysselsättning före-efter"),
    "fore_efter_forsorjning": _lazy("Försörjning före-efter"),
}


@dataclass
class KeyFigure:
    label: str
    value: Cell
    of: int | None = None
    share: float | str | None = None  # HIDDEN when hidden

    @property
    def text(self) -> str:
        if self.of is None:
            return str(self.value)
        return _("%(n)s av %(of)s") % {"n": self.value, "of": self.of}

    @property
    def share_text(self) -> str:
        return share_text(self.share)


def share_text(share: float | str | None) -> str:
    """A share as a percentage; HIDDEN as it is; nothing for none."""
    if isinstance(share, str):
        return share
    return percent(share) if share is not None else ""


@dataclass
class Goal:
    label: str
    met: bool | None
    text: str
    hidden: bool = False  # whether it is met would reveal a hidden count

    @property
    def status(self) -> str:
        if self.hidden:
            return _("Visas inte")
        if self.met is None:
            return _("Följs upp")
        return _("Uppnått") if self.met else _("Ej uppnått")


@dataclass
class Breakdown:
    """One table of figures; also one chart and one sheet."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    row_header: str
    chart: str = "bars"  # "bars" (horizontal) or "columns" (over time)

    @property
    def sheet_name(self) -> str:
        return str(SHEET_NAMES[self.slug])


@dataclass
class Report:
    results: Results
    made_at: datetime.datetime
    selection: list[tuple[str, str]]  # the filters used
    key_figures: list[KeyFigure]
    goals: list[Goal]
    breakdowns: list[Breakdown]
    threshold: int = 0  # the steering group's small-cell threshold; 0: exact
    before_after_count: Cell = 0
    # How to read the hidden figures (the steering group's disclosure control).
    disclosure_note: str = ""
    # No figures at all (a cohort too small to show): ``notice`` says why.
    withheld: bool = False
    notice: str = ""

    @property
    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters used, then the disclosure control's note, if any."""
        note = self.notice or self.disclosure_note
        return [*self.selection, (_("Sekretess"), note)] if note else list(self.selection)

    @property
    def empty(self) -> bool:
        return self.results.is_empty

    @property
    def before_after_hidden(self) -> bool:
        return self.before_after_count == HIDDEN

    def breakdown(self, slug: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.slug == slug)


def percent(share: float) -> str:
    """39,7 % (Swedish decimal comma); whole numbers without decimals."""
    value = share * 100
    if abs(value - round(value)) < 1e-9:
        return f"{round(value)} %"
    return f"{value:.1f}".replace(".", ",") + " %"


def filter_lines(results: Results) -> list[tuple[str, str]]:
    f = results.filters
    if f.date_from or f.date_to:
        period = "{} – {}".format(
            f.date_from.isoformat() if f.date_from else _("programmets start"),
            f.date_to.isoformat() if f.date_to else _("i dag"),
        )
    else:
        period = _("Hela programtiden")
    lines = [(_("Period"), period)]
    lines.append(
        (
            _("Anvisande organisation"),
            str(f.referring_organisation) if f.referring_organisation else _("Alla"),
        )
    )
    if f.responsible is not None:
        lines.append(
            (_("Ansvarig medarbetare"), f.responsible.get_full_name() or f.responsible.username)
        )
    return lines


def disclosure_note(threshold: int) -> str:
    return _(
        "Av sekretesskäl visas inte antal från 1 till %(largest)s, och inte heller de "
        "antal, andelar och delmål som de skulle kunna räknas fram ur. De står som %(hidden)s."
    ) % {"largest": threshold - 1, "hidden": HIDDEN}


def _withheld(r: Results, threshold: int, notice: str) -> Report:
    """No figures, only the reason."""
    return Report(
        results=r,
        made_at=timezone.localtime(),
        selection=filter_lines(r),
        key_figures=[],
        goals=[],
        breakdowns=[],
        threshold=threshold,
        withheld=True,
        notice=notice,
    )


def build_report(results: Results, *, user) -> Report:
    """The report ``user`` may see: exact figures for project staff and
    administrators; for the steering group, the disclosure control of
    :mod:`reports.protection` (no figures for a too small cohort; hidden
    counts, shares and goal statuses otherwise). Costs no query beyond the
    figures themselves."""
    r = results
    policy = policy_for(user)
    protection = None
    note = ""
    if policy is not None and policy.withholds(r.total):
        return _withheld(
            r,
            policy.threshold,
            _(
                "Urvalet har färre än %(n)s deltagare. Av sekretesskäl visas inga siffror "
                "för så få deltagare, så att ingen enskild person kan pekas ut. Välj en "
                "längre period eller alla organisationer."
            )
            % {"n": policy.min_cohort},
        )
    if policy is not None and policy.threshold > 0:
        protection = results_protection(r, policy, extras=True)
        if protection.withheld:
            return _withheld(
                r,
                policy.threshold,
                _(
                    "Av sekretesskäl visas inga siffror för det här urvalet: de går inte att "
                    "visa utan att uppgifter om enskilda personer kan räknas fram."
                ),
            )
        note = disclosure_note(policy.threshold)
    m = shown(protection)
    genders = list(GENDER_LABELS)
    gender_titles = [str(GENDER_LABELS[g]) for g in genders]
    self_support = m(SELF_SUPPORT, r.self_support_total)
    with_move = m(WITH_MOVE, r.participants_with_move)
    self_support_share = m(SHARE_SELF_SUPPORT, r.self_support_share)
    key_figures = [
        KeyFigure(_("Deltagare i perioden"), r.total),
        KeyFigure(_("Egen försörjning"), self_support, r.total, self_support_share),
        KeyFigure(
            _("Stegvis förflyttning eller egen försörjning"),
            with_move,
            r.total,
            m(SHARE_WITH_MOVE, round(r.participants_with_move / r.total, 4) if r.total else 0),
        ),
    ]
    if r.active_per_month:
        last_month, current = r.active_per_month[-1]
        current_cell = m(month_key(last_month), current)
    else:
        current_cell = 0
    delmal_2 = m(GOAL_2, r.delmal_2_all_moved)
    delmal_3 = m(GOAL_3, r.delmal_3_met)
    goals = [
        Goal(
            _("Delmål 2: alla deltagare gör minst en stegvis förflyttning"),
            None if delmal_2 == HIDDEN else delmal_2,
            _("%(n)s av %(of)s deltagare") % {"n": with_move, "of": r.total},
            hidden=delmal_2 == HIDDEN,
        ),
        Goal(
            _("Delmål 3: %(target)s av deltagarna når egen försörjning")
            % {"target": percent(r.delmal_3_share_target)},
            None if delmal_3 == HIDDEN else delmal_3,
            _("%(share)s (%(n)s av %(of)s)")
            % {
                "share": share_text(self_support_share),
                "n": self_support,
                "of": r.total,
            },
            hidden=delmal_3 == HIDDEN,
        ),
        Goal(
            _("Delmål 4: antalet deltagare upprätthålls"),
            None,
            _("%(n)s aktiva deltagare den senaste månaden") % {"n": current_cell},
        ),
    ]
    outcomes = [
        (_("Deltagare"), TOTAL, r.by_gender),
        (_("Egen försörjning"), SELF_SUPPORT, r.self_support_by_gender),
        *[(o.label, o.key, o.by_gender) for o in r.self_support],
        *[(o.label, o.key, o.by_gender) for o in r.moves],
        (_("Stegvis förflyttning eller egen försörjning"), WITH_MOVE, r.with_move_by_gender),
    ]

    def before_after_rows(group: str) -> list[tuple[str, list[Cell]]]:
        return [
            (
                str(label),
                [
                    m(before_after_key(group, "start", key), start),
                    m(before_after_key(group, "end", key), end),
                ],
            )
            for key, label, start, end in r.before_after[group]
        ]

    breakdowns = [
        Breakdown(
            "kon",
            _("Deltagare per kön"),
            [_("Antal")],
            [(str(GENDER_LABELS[g]), [m(gender_key(TOTAL, g), r.by_gender[g])]) for g in genders],
            _("Kön"),
        ),
        Breakdown(
            "egen_forsorjning",
            _("Egen försörjning per kategori"),
            [_("Antal")],
            [(o.label, [m(o.key, o.total)]) for o in r.self_support],
            _("Kategori"),
        ),
        Breakdown(
            "forflyttningar",
            _("Stegvisa förflyttningar per kategori"),
            [_("Antal")],
            [(o.label, [m(o.key, o.total)]) for o in r.moves],
            _("Kategori"),
        ),
        Breakdown(
            "kon_per_utfall",
            _("Kön per utfall"),
            gender_titles,
            [
                (label, [m(gender_key(row, g), by[g]) for g in genders])
                for label, row, by in outcomes
            ],
            _("Utfall"),
        ),
        Breakdown(
            "aktiva_per_manad",
            _("Aktiva deltagare per månad"),
            [_("Aktiva deltagare")],
            [
                (month.strftime("%Y-%m"), [m(month_key(month), n)])
                for month, n in r.active_per_month
            ],
            _("Månad"),
            chart="columns",
        ),
        Breakdown(
            "fore_efter_sysselsattning",
            _("Sysselsättning före och efter"),
            [_("Vid start"), _("Vid avslut")],
            before_after_rows("employment_status"),
            _("Sysselsättning"),
        ),
        Breakdown(
            "fore_efter_forsorjning",
            _("Försörjning före och efter"),
            [_("Vid start"), _("Vid avslut")],
            before_after_rows("income_source"),
            _("Huvudsaklig försörjning"),
        ),
    ]
    return Report(
        results=r,
        made_at=timezone.localtime(),
        selection=filter_lines(r),
        key_figures=key_figures,
        goals=goals,
        breakdowns=breakdowns,
        threshold=policy.threshold if policy is not None else 0,
        before_after_count=m(BEFORE_AFTER_COUNT, r.before_after_count),
        disclosure_note=note,
    )


def made_at_text(report: Report) -> str:
    return date_format(report.made_at, "Y-m-d H:i")
