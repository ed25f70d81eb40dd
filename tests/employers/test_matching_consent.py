"""Staff record whether a consent covers presenting the person to
employers: on the participant's Samtycke tab, and at referral (carried
into the participant's consent at the information call)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.models import Consent
from rattinsats.models import Organisation
from referrals import services as referral_services
from referrals.models import Referral
from tests.conftest import client_for
from tests.factories import ReferralFactory, organisation, referral_counsellor
from tests.referrals.test_referral_services import allocate
from tests.referrals.test_referral_views import form_data

pytestmark = pytest.mark.django_db


def consent_post(**extra):
    today = timezone.localdate()
    return {
        "organisations": [str(organisation("jobbcentrum").pk)],
        "signed_on": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=180)).isoformat(),
        **extra,
    }


def test_the_consent_tab_records_that_it_covers_employer_presentation(owner_client, participant):
    url = reverse("participants:consents", args=[participant.pk])
    page = owner_client.get(url)
    assert "Samtycket omfattar presentation för arbetsgivare" in page.text
    response = owner_client.post(url, consent_post(covers_employer_presentation="on"))
    assert response.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.covers_employer_presentation is True
    assert "Presentation för arbetsgivare" in owner_client.get(url).text


def test_a_consent_does_not_cover_it_unless_ticked(owner_client, participant):
    url = reverse("participants:consents", args=[participant.pk])
    owner_client.post(url, consent_post())
    assert Consent.objects.get(participant=participant).covers_employer_presentation is False


def test_the_referral_form_records_it_and_the_information_call_carries_it(officer, owner):
    referrer = referral_counsellor()
    client = client_for(referrer)
    assert (
        "Samtycket omfattar presentation för arbetsgivare"
        in client.get(reverse("referrals:new")).text
    )
    response = client.post(
        reverse("referrals:new"), form_data(consent_covers_employer_presentation="on")
    )
    assert response.status_code == 302, response.text
    referral = Referral.objects.get()
    assert referral.consent_covers_employer_presentation is True

    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.READY)
    referral = allocate(referral, owner)
    detail = client_for(officer).get(reverse("referrals:detail", args=[referral.pk]))
    assert "presentation för arbetsgivare" in detail.text
    referral_services.referral_information_call(
        actor=officer,
        referral=referral,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=timezone.localdate(),
    )
    referral.refresh_from_db()
    consent = Consent.objects.get(participant=referral.participant)
    assert consent.covers_employer_presentation is True


def test_a_referral_without_it_gives_a_consent_without_it(officer, owner):
    referral = allocate(ReferralFactory(status=Referral.Status.READY), owner)
    assert referral.consent_covers_employer_presentation is False
    referral_services.referral_information_call(
        actor=officer,
        referral=referral,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=timezone.localdate(),
    )
    referral.refresh_from_db()
    consent = Consent.objects.get(participant=referral.participant)
    assert consent.covers_employer_presentation is False
    assert set(consent.organisations.all()) == set(Organisation.objects.all())
