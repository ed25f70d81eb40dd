import datetime

import pytest

from rattinsats import testnumbers
from rattinsats.personnummer import InvalidPersonnummer, is_valid, parse

TODAY = datetime.date(2026, 11, 23)
ALL_NUMBERS = testnumbers.personnummer() + testnumbers.samordningsnummer()


def _ten_digit(number: str) -> str:
    parsed = parse(number)
    separator = "+" if parsed.age_on(TODAY) >= 100 else "-"
    return f"{number[2:8]}{separator}{number[8:]}"


def _with_wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_it_ships_every_skatteverket_test_number():
    assert len(testnumbers.personnummer()) == 41129
    assert len(testnumbers.samordningsnummer()) == 2264


def test_it_accepts_every_test_number_in_every_form():
    failures = []
    for number in ALL_NUMBERS:
        forms = [
            number,
            f"{number[:8]}-{number[8:]}",
            _ten_digit(number),
            _ten_digit(number).replace("-", ""),
        ]
        for form in forms:
            try:
                if parse(form, today=TODAY).canonical != number:
                    failures.append((form, "canonical"))
            except InvalidPersonnummer as exc:
                failures.append((form, str(exc)))
    assert failures == []


def test_it_rejects_every_test_number_with_a_wrong_check_digit():
    accepted = [n for n in ALL_NUMBERS if is_valid(_with_wrong_check_digit(n))]
    assert accepted == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "19900101",
        "199001011234567",
        "199013019800",
        "199002309800",
        "19900101*9802",
        "189001019802+",
    ],
)
def test_it_rejects_malformed_input(text):
    assert not is_valid(text)


def test_it_accepts_samordningsnummer_with_unknown_month_or_day():
    zero_month = [n for n in testnumbers.samordningsnummer() if n[4:6] == "00"]
    assert zero_month and all(is_valid(n) for n in zero_month)


def test_it_reads_the_plus_sign_as_a_century_earlier():
    assert parse("900101+9802", today=TODAY).canonical == "189001019802"


def test_it_computes_age_on_a_date():
    number = parse("199001019802" if is_valid("199001019802") else testnumbers.personnummer()[0])
    born = number.birth_date
    assert number.age_on(born.replace(year=born.year + 30)) == 30
    assert number.age_on(born.replace(year=born.year + 30) - datetime.timedelta(days=1)) == 29
