"""Staff let the participant withdraw a consent with BankID on their screen:
the withdrawal text, the same signing page and collect loop as a new
consent, the withdrawal that follows, and who may."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.services import ConsentMissing, flag_create
from participants.models import ConsentMethod
from rattinsats import testnumbers
from rattinsats.models import AuditEvent
from signing import services
from signing.models import Purpose, Signature, SigningOrder
from tests.conftest import client_for
from tests.factories import ConsentFactory, UserFactory, organisation

from .fakes import collect_now, install_fake_bankid

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_bankid(monkeypatch, db):
    return install_fake_bankid(monkeypatch)


@pytest.fixture
def consent(participant):
    return ConsentFactory(
        participant=participant,
        organisations=[organisation("ekonomiskt_bistand")],
        method=ConsentMethod.BANKID,
    )


def start_url(participant, consent) -> str:
    return reverse("signing:withdrawal_start", args=[participant.pk, consent.pk])


def test_the_tab_leads_to_a_withdrawal_signed_on_the_staff_screen(
    fake_bankid, owner, participant, consent, owner_client
):
    tab = owner_client.get(reverse("participants:consents", args=[participant.pk]))
    assert start_url(participant, consent) in tab.content.decode()
    page = owner_client.get(start_url(participant, consent)).content.decode()
    assert "Återkalla samtycke med BankID" in page and "Ekonomiskt bistånd" in page
    assert consent.valid_until.isoformat() in page

    response = owner_client.post(start_url(participant, consent), {"method": "qr"})
    order = SigningOrder.objects.get()
    assert response.url == reverse("signing:order", args=[participant.pk, order.pk])
    assert order.purpose == Purpose.WITHDRAWAL and order.consent == consent
    assert order.started_by == owner and order.link is None
    sent = fake_bankid.orders[order.order_ref].sent
    assert "Återkallelse av samtycke" in sent["user_visible_data"]
    assert "Ekonomiskt bistånd" in sent["user_visible_data"]
    assert participant.personnummer not in sent["user_visible_data"]
    assert sent["personal_number"] == participant.personnummer
    assert "Samtycke som återkallas" in order.signed_text
    order_page = owner_client.get(response.url).content.decode()
    assert "<svg" in order_page and 'role="status"' in order_page
    assert start_url(participant, consent) in order_page  # "try again" starts a withdrawal

    fake_bankid.complete(order.order_ref, personal_number=participant.personnummer)
    order = collect_now(order)
    assert order.status == SigningOrder.Status.COMPLETE
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_method == ConsentMethod.BANKID and consent.withdrawn_by == owner
    signature = Signature.objects.get()
    assert signature.kind == Signature.Kind.WITHDRAWAL and not signature.via_link
    assert signature.consent == consent
    event = AuditEvent.objects.get(object_type="participants.consent", action="change")
    assert event.user == owner and event.detail == "återkallat med BankID"
    with pytest.raises(ConsentMissing):
        flag_create(
            actor=owner,
            participant=participant,
            organisation=organisation("ekonomiskt_bistand"),
            reason="Start",
        )
    # The row says how it was withdrawn.
    tab = owner_client.get(reverse("participants:consents", args=[participant.pk]))
    assert "av deltagaren med BankID" in tab.content.decode()


def test_another_persons_bankid_does_not_withdraw(fake_bankid, owner, participant, consent):
    order = services.withdrawal_signing_start(
        actor=owner, participant=participant, consent=consent, method="qr", end_user_ip="192.0.2.1"
    )
    other = next(n for n in testnumbers.working_age() if n != participant.personnummer)
    fake_bankid.complete(order.order_ref, personal_number=other)
    assert collect_now(order).status == SigningOrder.Status.REFUSED
    consent.refresh_from_db()
    assert consent.withdrawn_at is None and not Signature.objects.exists()


def test_only_a_valid_consent_is_withdrawn(fake_bankid, owner, participant, owner_client):
    expired = ConsentFactory(
        participant=participant,
        signed_on=timezone.localdate() - datetime.timedelta(days=400),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    withdrawn = ConsentFactory(participant=participant, withdrawn_at=timezone.now())
    for c, message in ((expired, "har redan gått ut"), (withdrawn, "redan återkallat")):
        page = owner_client.get(start_url(participant, c)).content.decode()
        assert message in page and "Starta signering" not in page
        response = owner_client.post(start_url(participant, c), {"method": "qr"})
        assert response.status_code == 200 and message in response.content.decode()
        with pytest.raises(ValidationError):
            services.withdrawal_signing_start(
                actor=owner, participant=participant, consent=c, method="qr", end_user_ip="::1"
            )
    assert not SigningOrder.objects.exists()


def test_only_staff_who_may_change_the_case_start_it(fake_bankid, owner, participant, consent):
    teammate = UserFactory(username="teammate")
    viewer = UserFactory(username="viewer")
    assign_perm("participants.view_participant", viewer, participant)
    url = start_url(participant, consent)
    assert client_for(teammate).get(url).status_code == 404
    assert client_for(teammate).post(url, {"method": "qr"}).status_code == 404
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(viewer).post(url, {"method": "qr"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.withdrawal_signing_start(
            actor=viewer, participant=participant, consent=consent, method="qr", end_user_ip="::1"
        )
    # Another participant's consent is not reachable through this one.
    other = ConsentFactory(participant__responsible=teammate)
    assert client_for(owner).get(start_url(participant, other)).status_code == 404
    assert not SigningOrder.objects.exists()
