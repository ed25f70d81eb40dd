"""Staff sign a consent with the participant on their screen: the QR code,
the collect loop, the evidence, the consent that follows, and who may."""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from casework.models import Flag
from casework.services import ConsentMissing, flag_create
from participants.models import Consent, ConsentMethod, Task
from participants.selectors import consent_covers
from participants.services import grant_access, task_create
from rattinsats import testnumbers
from rattinsats.models import AuditEvent
from signing import services
from signing.models import Signature, SigningOrder
from tests.conftest import client_for
from tests.factories import ParticipantFactory, UserFactory, organisation

from .fakes import collect_now, install_fake_bankid

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_bankid(monkeypatch, db):
    return install_fake_bankid(monkeypatch)


VALID_UNTIL = lambda: timezone.localdate() + datetime.timedelta(days=200)  # noqa: E731


def start(participant, actor, **kwargs):
    terms = {
        "method": SigningOrder.Method.QR,
        "organisations": [organisation("ekonomiskt_bistand")],
        "valid_until": VALID_UNTIL(),
        "end_user_ip": "192.0.2.1",
    }
    terms.update(kwargs)
    return services.signing_start(actor=actor, participant=participant, **terms)


def other_personnummer(participant) -> str:
    return next(n for n in testnumbers.working_age() if n != participant.personnummer)


def test_it_starts_an_order_that_names_the_consent_but_not_the_person(
    fake_bankid, owner, participant
):
    order = start(participant, owner)
    sent = fake_bankid.orders[order.order_ref].sent
    assert "Ekonomiskt bistånd" in sent["user_visible_data"]
    assert VALID_UNTIL().isoformat() in sent["user_visible_data"]
    assert "Textversion 1" in sent["user_visible_data"]
    assert participant.personnummer not in sent["user_visible_data"]
    assert participant.last_name not in sent["user_visible_data"]
    # Only the participant can sign it; the full text's hash is signed too.
    assert sent["personal_number"] == participant.personnummer
    assert len(sent["user_non_visible_data"]) == 32
    assert order.is_pending and order.text_version.version == 1
    event = AuditEvent.objects.filter(object_type="signing.signingorder").get()
    assert event.user == owner and event.participant_id == participant.pk


def test_a_completed_signing_makes_the_consent_valid_and_flags_possible(
    fake_bankid, owner, participant
):
    eb = organisation("ekonomiskt_bistand")
    task = task_create(assignee=owner, kind=Task.Kind.RENEW_CONSENT, participant=participant)
    with pytest.raises(ConsentMissing):
        flag_create(actor=owner, participant=participant, organisation=eb, reason="Start")
    order = start(participant, owner, covers_employer_presentation=True)
    assert collect_now(order).is_pending
    fake_bankid.complete(order.order_ref, personal_number=participant.personnummer)
    order = collect_now(order)

    assert order.status == SigningOrder.Status.COMPLETE
    assert order.qr_start_secret == "" and order.auto_start_token == ""
    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.BANKID
    assert consent.text_version.version == 1
    assert consent.signed_on == timezone.localdate()
    assert consent.valid_until == VALID_UNTIL()
    assert consent.covers_employer_presentation
    assert list(consent.organisations.all()) == [eb]
    assert consent.recorded_by == owner
    signature = Signature.objects.get()
    assert signature.consent == consent and signature.kind == Signature.Kind.CONSENT
    assert signature.personal_number == participant.personnummer
    assert signature.signature.startswith("PFNp") and signature.ocsp_response
    assert "Ekonomiskt bistånd" in signature.signed_text
    assert not signature.via_link
    task.refresh_from_db()
    assert task.done_at is not None
    assert consent_covers(participant, eb, timezone.localdate())
    flag = flag_create(actor=owner, participant=participant, organisation=eb, reason="Start")
    assert flag.status == Flag.Status.OPEN


def test_a_signature_by_someone_else_is_refused_and_audited(
    fake_bankid, owner, participant, caplog
):
    caplog.set_level(logging.DEBUG)
    order = start(participant, owner)
    other = other_personnummer(participant)
    fake_bankid.complete(order.order_ref, personal_number=other, name="Sven Annansson")
    order = collect_now(order)
    assert order.status == SigningOrder.Status.REFUSED
    assert not Consent.objects.exists() and not Signature.objects.exists()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.participant_id == participant.pk and denied.user == owner
    assert "personnumret" in denied.detail
    for event in AuditEvent.objects.all():
        assert other not in event.detail and participant.personnummer not in event.detail
    assert other not in caplog.text and "Annansson" not in caplog.text


def test_it_collects_at_most_once_a_second(fake_bankid, owner, participant):
    order = start(participant, owner)
    for _ in range(5):
        services.order_collect(order)
    assert fake_bankid.collects == [order.order_ref]
    SigningOrder.objects.filter(pk=order.pk).update(
        last_collected_at=timezone.now() - datetime.timedelta(seconds=1, milliseconds=5)
    )
    order.refresh_from_db()
    services.order_collect(order)
    assert len(fake_bankid.collects) == 2


def test_a_failed_order_ends_with_bankids_message(fake_bankid, owner, participant, owner_client):
    order = start(participant, owner)
    fake_bankid.fail(order.order_ref, "userCancel")
    response = owner_client.get(reverse("signing:order_status", args=[participant.pk, order.pk]))
    assert response.json() == {
        "state": "failed",
        "message": "Åtgärden avbröts.",
        "qr": "",
        "next": "",
    }
    assert not Consent.objects.exists()


def test_the_status_shows_a_qr_code_that_changes_and_hint_messages(
    fake_bankid, owner, participant, owner_client
):
    order = start(participant, owner)
    url = reverse("signing:order_status", args=[participant.pk, order.pk])
    first = owner_client.get(url).json()
    assert first["state"] == "pending" and first["message"] == "Starta BankID-appen."
    assert first["qr"].startswith("<svg") and "QR-kod för BankID" in first["qr"]
    assert "secret" not in first["qr"]
    SigningOrder.objects.filter(pk=order.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=3), last_collected_at=None
    )
    fake_bankid.set_hint(order.order_ref, "userSign")
    second = owner_client.get(url).json()
    assert second["qr"] != first["qr"]
    assert second["message"].startswith("Skriv in din säkerhetskod")


def test_the_pages_flow_from_the_tab_to_the_order(fake_bankid, owner, participant, owner_client):
    tab = owner_client.get(reverse("participants:consents", args=[participant.pk]))
    assert reverse("signing:start", args=[participant.pk]) in tab.content.decode()
    eb = organisation("ekonomiskt_bistand")
    response = owner_client.post(
        reverse("signing:start", args=[participant.pk]),
        {"organisations": [eb.pk], "valid_until": VALID_UNTIL().isoformat(), "method": "qr"},
    )
    order = SigningOrder.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("signing:order", args=[participant.pk, order.pk])
    page = owner_client.get(response.url).content.decode()
    assert 'role="status"' in page and "<svg" in page and "secret-" not in page
    # Cancel.
    owner_client.post(reverse("signing:order_cancel", args=[participant.pk, order.pk]))
    order.refresh_from_db()
    assert order.status == SigningOrder.Status.CANCELLED
    assert fake_bankid.cancelled == [order.order_ref]


def test_bad_terms_show_the_form_again(fake_bankid, owner, participant, owner_client):
    response = owner_client.post(
        reverse("signing:start", args=[participant.pk]),
        {"valid_until": "2000-01-01", "method": "qr"},
    )
    assert response.status_code == 200
    assert "Välj minst en organisation." in response.content.decode()
    assert "Giltigt till kan inte vara före i dag." in response.content.decode()
    assert not SigningOrder.objects.exists()


def test_a_refusal_by_bankid_at_start_is_shown(fake_bankid, owner, participant, owner_client):
    fake_bankid.start_error = "alreadyInProgress"
    response = owner_client.post(
        reverse("signing:start", args=[participant.pk]),
        {
            "organisations": [organisation("arbetsformedlingen").pk],
            "valid_until": VALID_UNTIL().isoformat(),
            "method": "qr",
        },
    )
    assert "En identifiering eller underskrift pågår redan" in response.content.decode()


def test_only_staff_who_may_change_the_case_start_a_signing(fake_bankid, owner, participant):
    teammate = UserFactory(username="teammate")
    viewer = UserFactory(username="viewer")
    from guardian.shortcuts import assign_perm

    assign_perm("participants.view_participant", viewer, participant)
    url = reverse("signing:start", args=[participant.pk])
    data = {
        "organisations": [organisation("ekonomiskt_bistand").pk],
        "valid_until": VALID_UNTIL().isoformat(),
        "method": "qr",
    }
    assert client_for(teammate).get(url).status_code == 404
    assert client_for(teammate).post(url, data).status_code == 404
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(viewer).post(url, data).status_code == 403
    with pytest.raises(PermissionDenied):
        start(participant, viewer)
    assert not SigningOrder.objects.exists()
    # Another participant's order is not reachable through this one.
    order = start(participant, owner)
    other = ParticipantFactory(responsible=teammate)
    grant_access(other, owner)
    status = reverse("signing:order_status", args=[other.pk, order.pk])
    assert client_for(owner).get(status).status_code == 404
    assert (
        client_for(viewer)
        .get(reverse("signing:order_status", args=[participant.pk, order.pk]))
        .status_code
        == 403
    )


def test_anonymous_users_go_to_the_login_and_wrong_methods_get_405(participant, owner_client):
    from django.test import Client

    url = reverse("signing:start", args=[participant.pk])
    assert Client().get(url).status_code == 302
    cancel = reverse("signing:order_cancel", args=[participant.pk, 1])
    assert owner_client.get(cancel).status_code == 405
