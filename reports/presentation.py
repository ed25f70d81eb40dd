"""The results as the dashboard, the workbook and the PDF show them: key
figures and breakdown tables, with small cells hidden from the steering
group when the setting asks for it. The three outputs render the same
:class:`Report`, so they say the same thing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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
    value: int
    of: int | None = None
    share: float | None = None

    @property
    def text(self) -> str:
        if self.of is None:
            return str(self.value)
        return _("%(n)s av %(of)s") % {"n": self.value, "of": self.of}

    @property
    def share_text(self) -> str:
        return percent(self.share) if self.share is not None else ""


@dataclass
class Goal:
    label: str
    met: bool | None
    text: str

    @property
    def status(self) -> str:
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
    filter_lines: list[tuple[str, str]]
    key_figures: list[KeyFigure]
    goals: list[Goal]
    breakdowns: list[Breakdown]
    masked: bool
    threshold: int

    @property
    def empty(self) -> bool:
        return self.results.is_empty

    def breakdown(self, slug: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.slug == slug)


def percent(share: float) -> str:
    """39,7 % (Swedish decimal comma); whole numbers without decimals."""
    value = share * 100
    if abs(value - round(value)) < 1e-9:
        return f"{round(value)} %"
    return f"{value:.1f}".replace(".", ",") + " %"


def cell_masker(user):
    """Hide breakdown cells below the threshold from the steering group."""
    threshold = settings.RATTINSATS_SMALL_CELL_THRESHOLD
    if threshold <= 0 or not user.is_steering:
        return None, 0

    def mask(n: int) -> Cell:
        return f"<{threshold}" if 0 < n < threshold else n

    return mask, threshold


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


def build_report(results: Results, *, user) -> Report:
    mask, threshold = cell_masker(user)
    m = mask or (lambda n: n)
    r = results
    genders = list(GENDER_LABELS)
    gender_titles = [str(GENDER_LABELS[g]) for g in genders]
    key_figures = [
        KeyFigure(_("Deltagare i perioden"), r.total),
        KeyFigure(_("Egen försörjning"), r.self_support_total, r.total, r.self_support_share),
        KeyFigure(
            _("Stegvis förflyttning eller egen försörjning"),
            r.participants_with_move,
            r.total,
            round(r.participants_with_move / r.total, 4) if r.total else 0,
        ),
    ]
    current = r.active_per_month[-1][1] if r.active_per_month else 0
    goals = [
        Goal(
            _("Delmål 2: alla deltagare gör minst en stegvis förflyttning"),
            r.delmal_2_all_moved,
            _("%(n)s av %(of)s deltagare") % {"n": r.participants_with_move, "of": r.total},
        ),
        Goal(
            _("Delmål 3: %(target)s av deltagarna når egen försörjning")
            % {"target": percent(r.delmal_3_share_target)},
            r.delmal_3_met,
            _("%(share)s (%(n)s av %(of)s)")
            % {"share": percent(r.self_support_share), "n": r.self_support_total, "of": r.total},
        ),
        Goal(
            _("Delmål 4: antalet deltagare upprätthålls"),
            None,
            _("%(n)s aktiva deltagare den senaste månaden") % {"n": current},
        ),
    ]
    outcomes = [
        (_("Deltagare"), r.by_gender),
        (_("Egen försörjning"), r.self_support_by_gender),
        *[(o.label, o.by_gender) for o in r.self_support],
        *[(o.label, o.by_gender) for o in r.moves],
        (_("Stegvis förflyttning eller egen försörjning"), r.with_move_by_gender),
    ]
    breakdowns = [
        Breakdown(
            "kon",
            _("Deltagare per kön"),
            [_("Antal")],
            [(str(GENDER_LABELS[g]), [m(r.by_gender[g])]) for g in genders],
            _("Kön"),
        ),
        Breakdown(
            "egen_forsorjning",
            _("Egen försörjning per kategori"),
            [_("Antal")],
            [(o.label, [m(o.total)]) for o in r.self_support],
            _("Kategori"),
        ),
        Breakdown(
            "forflyttningar",
            _("Stegvisa förflyttningar per kategori"),
            [_("Antal")],
            [(o.label, [m(o.total)]) for o in r.moves],
            _("Kategori"),
        ),
        Breakdown(
            "kon_per_utfall",
            _("Kön per utfall"),
            gender_titles,
            [(label, [m(by[g]) for g in genders]) for label, by in outcomes],
            _("Utfall"),
        ),
        Breakdown(
            "aktiva_per_manad",
            _("Aktiva deltagare per månad"),
            [_("Aktiva deltagare")],
            [(month.strftime("%Y-%m"), [n]) for month, n in r.active_per_month],
            _("Månad"),
            chart="columns",
        ),
        Breakdown(
            "fore_efter_sysselsattning",
            _("Sysselsättning före och efter"),
            [_("Vid start"), _("Vid avslut")],
            [
                (str(label), [m(start), m(end)])
                for _key, label, start, end in r.before_after["employment_status"]
            ],
            _("Sysselsättning"),
        ),
        Breakdown(
            "fore_efter_forsorjning",
            _("Försörjning före och efter"),
            [_("Vid start"), _("Vid avslut")],
            [
                (str(label), [m(start), m(end)])
                for _key, label, start, end in r.before_after["income_source"]
            ],
            _("Huvudsaklig försörjning"),
        ),
    ]
    return Report(
        results=r,
        made_at=timezone.localtime(),
        filter_lines=filter_lines(r),
        key_figures=key_figures,
        goals=goals,
        breakdowns=breakdowns,
        masked=mask is not None,
        threshold=threshold,
    )


def made_at_text(report: Report) -> str:
    return date_format(report.made_at, "Y-m-d H:i")
