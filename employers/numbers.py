"""The codes an employer and a job order carry: the organisation number,
the SNI code (industry) and the SSYK 2012 code (occupation).

Each function takes the text as typed (or read from a workbook) and
returns the stored form, or raises ``ValueError`` with the Swedish reason.
Forms, services and the workbook import use the same functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from rattinsats.personnummer import InvalidPersonnummer
from rattinsats.personnummer import parse as personnummer_parse

# Swedish organisation numbers are sometimes written with the prefix 16
# (the "century" of legal entities, as in the VAT number).
_LEGAL_ENTITY_PREFIX = "16"


@dataclass(frozen=True)
class OrganisationNumber:
    number: str  # NNNNNN-NNNN
    is_sole_trader: bool


def organisation_number_parse(text: str) -> OrganisationNumber:
    """Validate an organisation number and return it as ``NNNNNN-NNNN``.

    A legal entity's number has a third digit of 2 or more; a number whose
    third digit is 0 or 1 is a date of birth: a sole trader (*enskild
    firma*) whose number is the owner's personnummer, checked as one (date,
    samordningsnummer, check digit). Accepted: 10 digits with or without a
    hyphen, 12 digits with the prefix 16 (legal entities) or with the
    century (a sole trader's personnummer)."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        raise ValueError(_("Ange organisationsnummer."))
    digits = raw.replace("-", "").replace("+", "")
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise ValueError(
            _("Ogiltigt organisationsnummer. Ange tio siffror, till exempel 556677-8899.")
        )
    if len(digits) == 12:
        if digits.startswith(_LEGAL_ENTITY_PREFIX):
            digits = digits[2:]
            if int(digits[2]) < 2:
                raise ValueError(_("Ogiltigt organisationsnummer."))
        else:
            # A personnummer with its century: only a sole trader's.
            _personnummer_check(raw)
            digits = digits[2:]
    if int(digits[2]) < 2:
        _personnummer_check(digits)
        sole_trader = True
    else:
        try:
            orgnr.validate(digits)
        except StdnumError as exc:
            raise ValueError(
                _("Ogiltigt organisationsnummer: kontrollsiffran stämmer inte.")
            ) from exc
        sole_trader = False
    return OrganisationNumber(f"{digits[:6]}-{digits[6:]}", sole_trader)


def _personnummer_check(text: str) -> None:
    try:
        personnummer_parse(text)
    except InvalidPersonnummer as exc:
        raise ValueError(
            _(
                "Ogiltigt organisationsnummer. En enskild firmas nummer är ägarens "
                "personnummer, och det här är inget giltigt personnummer."
            )
        ) from exc


_SNI = re.compile(r"^(\d{2})\.?(\d{3})$")
_SSYK = re.compile(r"^\d{4}$")


def sni_normalise(text: str) -> str:
    """An SNI 2007 code (five digits; ``47.111`` or ``47111``) as five
    digits; empty stays empty. Only the format is checked."""
    value = (text or "").strip().replace(" ", "")
    if not value:
        return ""
    match = _SNI.match(value)
    if not match:
        raise ValueError(_("Ogiltig SNI-kod. Ange fem siffror, till exempel 47111 eller 47.111."))
    return match.group(1) + match.group(2)


def ssyk_check(text: str) -> str:
    """An SSYK 2012 code (four digits); empty stays empty. Only the format
    is checked."""
    value = (text or "").strip()
    if not value:
        return ""
    if not _SSYK.match(value):
        raise ValueError(_("Ogiltig SSYK-kod. Ange fyra siffror, till exempel 5223."))
    return value


_POSTAL_CODE = re.compile(r"^(\d{3}) ?(\d{2})$")


def postal_code_normalise(text: str) -> str:
    """A Swedish postal code as ``NNN NN``; empty stays empty."""
    value = (text or "").strip()
    if not value:
        return ""
    match = _POSTAL_CODE.match(value)
    if not match:
        raise ValueError(_("Ogiltigt postnummer. Ange fem siffror, till exempel 632 20."))
    return f"{match.group(1)} {match.group(2)}"
