"""Server-rendered SVG charts. No scripts and no style attributes (the
Content-Security-Policy allows neither): colours and fonts are SVG
presentation attributes. Each chart stands beside a table of its figures,
which is what screen readers use; the SVG itself is one labelled image."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .presentation import Breakdown

# Colours with at least 3:1 contrast against white (WCAG 1.4.11).
SERIES_COLOURS = ["#1a4d8f", "#b3541e", "#2f7d4f"]
TEXT = "#212529"
GRID = "#6c757d"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _value(cell) -> int:
    return cell if isinstance(cell, int) else 0


def chart_svg(breakdown: Breakdown, chart_id: str, *, title: str | None = None) -> SafeString:
    """``title``: the SVG's ``<title>``, its accessible name (and in a PDF
    its alternative text); the breakdown's title unless given."""
    if breakdown.chart == "columns":
        return column_chart(breakdown, chart_id, title=title)
    return bar_chart(breakdown, chart_id, title=title)


def chart_description(breakdown: Breakdown) -> str:
    """A text alternative to the chart, for a PDF's figure (``/Alt``): what
    kind of chart, of what, and the figures it draws."""
    if breakdown.chart == "columns" and breakdown.rows:
        rows = breakdown.rows
        first, last = rows[0][0], rows[-1][0]
        when, cells = max(rows, key=lambda row: _value(row[1][0]))
        return _(
            "Stapeldiagram över tid: %(title)s, %(first)s till %(last)s. "
            "Högst %(highest)s (%(when)s), senast %(latest)s."
        ) % {
            "title": breakdown.title,
            "first": first,
            "last": last,
            "highest": cells[0],
            "when": when,
            "latest": rows[-1][1][0],
        }
    several = len(breakdown.columns) > 1
    figures = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{column} {cell}" if several else str(cell)
            for column, cell in zip(breakdown.columns, cells, strict=False)
        )
        for label, cells in breakdown.rows
    )
    return _("Stapeldiagram: %(title)s. %(figures)s.") % {
        "title": breakdown.title,
        "figures": figures,
    }


def _open(width: int, height: int, chart_id: str, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="results-chart" role="img" '
        f'aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]


def _legend(breakdown: Breakdown, x: int, y: int) -> list[str]:
    parts: list[str] = []
    if len(breakdown.columns) < 2:
        return parts
    for i, name in enumerate(breakdown.columns):
        lx = x + i * 150
        parts.append(
            f'<rect x="{lx}" y="{y - 10}" width="12" height="12" '
            f'fill="{SERIES_COLOURS[i % len(SERIES_COLOURS)]}"/>'
            f'<text x="{lx + 18}" y="{y}" font-size="12" fill="{TEXT}" {FONT}>'
            f"{escape(name)}</text>"
        )
    return parts


def bar_chart(breakdown: Breakdown, chart_id: str, *, title: str | None = None) -> SafeString:
    """Horizontal bars, one group per row, one bar per column."""
    series = len(breakdown.columns)
    label_width, plot_width, right = 290, 300, 40
    bar, gap = 14, 10
    legend = 24 if series > 1 else 0
    group = series * bar + gap
    height = legend + max(1, len(breakdown.rows)) * group + 10
    width = label_width + plot_width + right
    largest = max((_value(c) for _l, cells in breakdown.rows for c in cells), default=0) or 1
    parts = _open(width, height, chart_id, title or breakdown.title)
    parts += _legend(breakdown, 10, 14)
    for i, (label, cells) in enumerate(breakdown.rows):
        top = legend + i * group
        parts.append(
            f'<text x="{label_width - 8}" y="{top + series * bar / 2 + 4:.0f}" '
            f'text-anchor="end" font-size="12" fill="{TEXT}" {FONT}>{escape(label)}</text>'
        )
        for j, cell in enumerate(cells):
            length = plot_width * _value(cell) / largest
            y = top + j * bar
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar - 2}" '
                f'fill="{SERIES_COLOURS[j % len(SERIES_COLOURS)]}"/>'
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" font-size="11" '
                f'fill="{TEXT}" {FONT}>{escape(str(cell))}</text>'
            )
    parts.append(
        f'<line x1="{label_width}" y1="{legend}" x2="{label_width}" y2="{height - 10}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def column_chart(breakdown: Breakdown, chart_id: str, *, title: str | None = None) -> SafeString:
    """Columns over time (one per row), labels every sixth month."""
    rows = breakdown.rows
    left, bottom, top = 36, 36, 10
    plot_height = 160
    step = max(6, min(24, 560 // max(1, len(rows))))
    width = left + step * max(1, len(rows)) + 10
    height = top + plot_height + bottom
    largest = max((_value(cells[0]) for _l, cells in rows), default=0) or 1
    parts = _open(width, height, chart_id, title or breakdown.title)
    base = top + plot_height
    for tick in sorted({0, largest // 2, largest}):
        y = base - plot_height * tick / largest
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}" {FONT}>{tick}</text>'
        )
    for i, (label, cells) in enumerate(rows):
        value = _value(cells[0])
        h = plot_height * value / largest
        x = left + i * step
        parts.append(
            f'<rect x="{x + 1}" y="{base - h:.1f}" width="{step - 2}" height="{h:.1f}" '
            f'fill="{SERIES_COLOURS[0]}"/>'
        )
        if i % 6 == 0:
            parts.append(
                f'<text x="{x}" y="{base + 16}" font-size="11" fill="{TEXT}" {FONT}>'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
