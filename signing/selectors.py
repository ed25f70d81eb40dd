"""Reads of digital consent, for pages that have already fetched the
participant through ``participants.selectors`` (which checked access)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from participants.models import Consent, Participant

from .models import Signature, SigningLink, SigningOrder


def order_of(participant: Participant, order_pk: int) -> SigningOrder:
    """One of the participant's orders (404 for another participant's)."""
    return get_object_or_404(
        SigningOrder.objects.select_related("text_version"), pk=order_pk, participant=participant
    )


def link_of(participant: Participant, link_pk: int) -> SigningLink:
    return get_object_or_404(SigningLink, pk=link_pk, participant=participant)


def links_for(participant: Participant, *, limit: int = 10) -> list[SigningLink]:
    """The participant's latest links, newest first."""
    return list(
        SigningLink.objects.filter(participant=participant)
        .select_related("created_by", "consent")
        .order_by("-created_at", "-id")[:limit]
    )


def consents_withdrawable(participant: Participant) -> QuerySet[Consent]:
    today = timezone.localdate()
    return (
        Consent.objects.filter(
            participant=participant, withdrawn_at__isnull=True, valid_until__gte=today
        )
        .prefetch_related("organisations")
        .order_by("-signed_on", "-id")
    )


def signatures_of(consent: Consent) -> list[Signature]:
    return list(
        Signature.objects.filter(consent=consent)
        .select_related("text_version", "order__started_by")
        .order_by("completed_at", "id")
    )


def consent_for_receipt(participant: Participant, consent_pk: int) -> Consent:
    """A consent of the participant signed with BankID (404 otherwise, and
    once retention has removed what BankID returned: the evidence is gone)."""
    if participant.is_anonymised:
        raise Http404
    return get_object_or_404(
        Consent.objects.select_related("text_version", "recorded_by").prefetch_related(
            "organisations"
        ),
        pk=consent_pk,
        participant=participant,
        signatures__kind=Signature.Kind.CONSENT,
    )
