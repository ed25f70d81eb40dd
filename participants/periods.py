"""Three-month periods of a participation (product.md, results contract).

Period *k* (1–8) of a participation starting on day *S* runs from
*S* + 3(*k*−1) months to the day before *S* + 3*k* months. Adding months
keeps the day of the month, or takes the month's last day when it has
fewer days (31 January + 1 month = 28 or 29 February).
"""

from __future__ import annotations

import calendar
import datetime
from functools import lru_cache

PERIOD_COUNT = 8
# Periods after this one need a written reason for continuing.
PERIODS_WITHOUT_REASON = 4


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


# Pure and asked again and again for the same start dates (every row of an
# import, every participant of the results): kept for the process.
@lru_cache(maxsize=65_536)
def period_bounds(start: datetime.date, k: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of period ``k`` (1-based) of a participation."""
    if not 1 <= k <= PERIOD_COUNT:
        raise ValueError(f"period must be 1–{PERIOD_COUNT}")
    first = add_months(start, 3 * (k - 1))
    last = add_months(start, 3 * k) - datetime.timedelta(days=1)
    return first, last


def period_of(start: datetime.date, day: datetime.date) -> int | None:
    """The period ``day`` falls in, or None before the start or after period 8."""
    if day < start:
        return None
    for k in range(1, PERIOD_COUNT + 1):
        first, last = period_bounds(start, k)
        if first <= day <= last:
            return k
    return None


def period_label(k: int) -> str:
    return f"Mån {3 * k - 2}–{3 * k}"
