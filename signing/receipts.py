"""The PDF receipt of a consent signed with BankID, for the case file:
rendered only through ``rattinsats.pdf.pdf_render`` (tagged PDF/UA-1),
always in Swedish, like the other records for the case file."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from django.utils import timezone, translation

from participants.models import Consent, Participant
from rattinsats.pdf import pdf_render
from rattinsats.personnummer import format_canonical

from .models import Signature


@dataclass(frozen=True)
class SignatureFacts:
    signature: Signature
    personal_number: str
    signature_sha256: str
    signature_bytes: int
    ocsp_sha256: str
    ocsp_bytes: int
    text_sha256: str


def _decoded(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return value.encode()


def signature_facts(signature: Signature) -> SignatureFacts:
    """The hashes of what BankID returned (of the decoded bytes) and of the
    signed text, which identify the evidence."""
    sig, ocsp = _decoded(signature.signature), _decoded(signature.ocsp_response)
    return SignatureFacts(
        signature=signature,
        personal_number=format_canonical(signature.personal_number),
        signature_sha256=hashlib.sha256(sig).hexdigest(),
        signature_bytes=len(sig),
        ocsp_sha256=hashlib.sha256(ocsp).hexdigest(),
        ocsp_bytes=len(ocsp),
        text_sha256=hashlib.sha256(signature.signed_text.encode()).hexdigest(),
    )


def _chunks(value: str, size: int = 76) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)]


def receipt_pdf(participant: Participant, consent: Consent, signatures: list[Signature]) -> bytes:
    facts = [signature_facts(s) for s in signatures]
    with translation.override("sv"):
        return pdf_render(
            "signing/receipt_pdf.html",
            {
                "participant": participant,
                "consent": consent,
                "organisations": list(consent.organisations.all()),
                "facts": facts,
                "annex": [
                    (f, _chunks(f.signature.signature), _chunks(f.signature.ocsp_response))
                    for f in facts
                ],
                "created": timezone.localtime(),
            },
        )
