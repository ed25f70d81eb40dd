"""Skatteverket's test personal identity numbers, shipped with the project
(``rattinsats/data/testpersonnummer``). Demo data, fixtures and the
benchmark take their numbers from here only: they belong to no real person."""

import functools
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "testpersonnummer"


@functools.cache
def personnummer() -> tuple[str, ...]:
    return tuple(json.loads((DATA_DIR / "personnummer.json").read_text()))


@functools.cache
def samordningsnummer() -> tuple[str, ...]:
    return tuple(json.loads((DATA_DIR / "samordningsnummer.json").read_text()))


def working_age(*, born_from: int = 1963, born_to: int = 2006, male: bool | None = None):
    """Test numbers of people of working age, in a stable order."""
    for number in personnummer():
        year = int(number[:4])
        if not born_from <= year <= born_to:
            continue
        if male is not None and (int(number[10]) % 2 == 1) != male:
            continue
        yield number
