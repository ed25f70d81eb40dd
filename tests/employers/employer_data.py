"""Employers, job orders and placements for the core's tests. Organisation
numbers are made up (check digit valid, series 559…); a sole trader's
number is one of Skatteverket's test personnummer."""

import itertools

from stdnum import luhn

from employers.models import ContactPerson, Employer, JobOrder
from rattinsats import testnumbers

_numbers = itertools.count(1)
_personnummer = itertools.cycle(list(testnumbers.working_age())[200:400])


def organisation_number() -> str:
    body = f"559{next(_numbers):06d}"
    digits = body + luhn.calc_check_digit(body)
    return f"{digits[:6]}-{digits[6:]}"


def sole_trader_number() -> str:
    """A test personnummer as a sole trader's organisation number (NNNNNN-NNNN)."""
    canonical = next(_personnummer)
    return f"{canonical[2:8]}-{canonical[8:]}"


def employer(created_by, *, name="Lagerbolaget Test AB", sole_trader=False, **fields) -> Employer:
    """An employer written directly (the services are tested on their own)."""
    return Employer.objects.create(
        organisation_number=sole_trader_number() if sole_trader else organisation_number(),
        is_sole_trader=sole_trader,
        name=name,
        created_by=created_by,
        **fields,
    )


def contact_person(employer_, name="Kim Kontakt", **fields) -> ContactPerson:
    return ContactPerson.objects.create(employer=employer_, name=name, **fields)


def job_order(created_by, employer_=None, **fields) -> JobOrder:
    fields.setdefault("occupation", "Lagerarbetare")
    return JobOrder.objects.create(
        employer=employer_ or employer(created_by), created_by=created_by, **fields
    )
