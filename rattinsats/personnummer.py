"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer).

Accepted input: 10 digits (``YYMMDD-NNNC``, ``YYMMDD+NNNC`` for people aged
100 or more, or without separator) and 12 digits (``YYYYMMDDNNNC`` or
``YYYYMMDD-NNNC``). The check digit ``C`` is the Luhn digit of the ten-digit
form. A samordningsnummer has 60 added to the day of birth; Skatteverket
also issues them with month or day ``00`` when the date is unknown, and
with a day that does not exist in that month, so for those only the ranges
are checked (month 00–12, day 60–91).

Stored form: 12 digits without separator (``canonical``); shown as
``YYYYMMDD-NNNC`` (``formatted``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


class InvalidPersonnummer(ValueError):
    """The text is not a valid personnummer or samordningsnummer."""


def luhn_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Personnummer:
    century: int
    year: int  # two digits
    month: int
    day: int  # as written: plus 60 for a samordningsnummer
    serial: str
    check: int

    @property
    def canonical(self) -> str:
        return (
            f"{self.century:02d}{self.year:02d}{self.month:02d}{self.day:02d}"
            f"{self.serial}{self.check}"
        )

    @property
    def formatted(self) -> str:
        c = self.canonical
        return f"{c[:8]}-{c[8:]}"

    @property
    def masked(self) -> str:
        """For lists: the date of birth only."""
        return f"{self.canonical[:8]}-****"

    @property
    def is_samordningsnummer(self) -> bool:
        return self.day >= 60

    @property
    def full_year(self) -> int:
        return self.century * 100 + self.year

    @property
    def birth_date(self) -> datetime.date:
        """The date of birth; for an unknown month or day (``00``) the first
        of the month or of the year is used."""
        day = self.day - 60 if self.is_samordningsnummer else self.day
        month = self.month or 1
        day = day or 1
        # A samordningsnummer can carry a day the month lacks (30 February):
        # clamp it to the month's last day.
        while True:
            try:
                return datetime.date(self.full_year, month, day)
            except ValueError:
                day -= 1

    def age_on(self, on: datetime.date) -> int:
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse(value: str, *, today: datetime.date | None = None) -> Personnummer:
    """Parse and validate ``value``; raise :class:`InvalidPersonnummer`.

    ``today`` decides the century of a 10-digit number (default: today).
    """
    if value is None:
        raise InvalidPersonnummer("empty")
    text = str(value).strip().replace(" ", "")
    match = _PATTERN.match(text)
    if not match:
        raise InvalidPersonnummer("format")
    century_s, yy, mm, dd, separator, serial, check = match.groups()
    year, month, day = int(yy), int(mm), int(dd)

    samordning = day >= 60
    if samordning:
        if not (0 <= month <= 12 and 60 <= day <= 91):
            raise InvalidPersonnummer("date")
    elif not (1 <= month <= 12 and 1 <= day <= 31):
        raise InvalidPersonnummer("date")

    if luhn_digit(f"{yy}{mm}{dd}{serial}") != int(check):
        raise InvalidPersonnummer("check digit")

    if century_s is not None:
        if separator == "+":
            raise InvalidPersonnummer("format")
        century = int(century_s)
    else:
        today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date
        # The most recent birthday not after today; "+" marks a person aged
        # 100 or more, a century earlier.
        born_day = day - 60 if samordning else day
        century = today.year // 100
        if (century * 100 + year, month, born_day) > (today.year, today.month, today.day):
            century -= 1
        if separator == "+":
            century -= 1

    number = Personnummer(century, year, month, day, serial, int(check))
    if not samordning:
        try:
            datetime.date(number.full_year, month, day)
        except ValueError as exc:
            raise InvalidPersonnummer("date") from exc
    return number


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidPersonnummer:
        return False
    return True


def format_canonical(canonical: str) -> str:
    return f"{canonical[:8]}-{canonical[8:]}" if len(canonical) == 12 else canonical


def mask_canonical(canonical: str) -> str:
    return f"{canonical[:8]}-****" if len(canonical) == 12 else canonical
