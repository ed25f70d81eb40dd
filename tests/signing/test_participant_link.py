"""The participant's one-time link: sending it (e-mail, SMS through the
gateway), the public page without an account, signing through it once,
expiry, rate limits, refusal of another person's BankID, withdrawal and
renewal through it."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.services import ConsentMissing, flag_create
from participants.models import Consent, ConsentMethod, Task
from participants.services import task_create
from rattinsats import testnumbers
from rattinsats.models import AuditEvent
from signing import services
from signing.models import Purpose, RateLimitBucket, Signature, SigningLink, SigningOrder
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, UserFactory, organisation

from .fakes import install_fake_bankid

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_bankid(monkeypatch, db):
    return install_fake_bankid(monkeypatch)


LINK = re.compile(r"https?://[^/\s]+(/signera/lank/\?l=([A-Za-z0-9_\-]+))")


@pytest.fixture
def participant(owner):
    return ParticipantFactory(
        responsible=owner, email="tove.testdotter@example.se", phone="070-123 45 67"
    )


_capture = {}


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """The sending job is queued after the commit (and runs at once in the tests)."""
    _capture["run"] = django_capture_on_commit_callbacks


def send(owner_client, participant, **data):
    eb = organisation("ekonomiskt_bistand")
    form = {
        "organisations": [eb.pk],
        "valid_until": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
        "channel": "email",
    }
    form.update(data)
    with _capture["run"](execute=True):
        return owner_client.post(reverse("signing:link_send", args=[participant.pk]), form)


def sent_link(index: int = -1) -> str:
    match = LINK.search(mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def sign_through(client, link_path, fake, personal_number):
    """Open the link, start with a QR code, let BankID complete, poll."""
    assert client.get(link_path).status_code == 302
    client.post(reverse("signing:public_start"), {"method": "qr"})
    fake.complete(fake.last_ref, personal_number=personal_number)
    SigningOrder.objects.update(last_collected_at=None)
    return client.get(reverse("signing:public_status")).json()


def test_the_link_is_mailed_with_no_personal_data_and_only_its_hash_is_kept(
    fake_bankid, owner_client, participant
):
    response = send(owner_client, participant)
    assert response.status_code == 302
    link = SigningLink.objects.get()
    assert link.send_state == SigningLink.SendState.SENT and link.recipient == ""
    message = mail.outbox[0]
    assert message.to == ["tove.testdotter@example.se"]
    assert message.subject == "Signera ditt samtycke i Rätt insats"
    path = sent_link()
    token = path.split("?l=", 1)[1]
    assert len(token) >= 40
    assert link.token_hash == services.token_hash(token) and token not in link.token_hash
    for personal in (participant.first_name, participant.last_name, participant.personnummer):
        assert personal not in path and personal not in message.subject
        assert personal not in message.body
    event = AuditEvent.objects.get(object_type="signing.signinglink")
    assert event.participant_id == participant.pk and "tove" not in event.detail


def test_a_typed_address_is_used_once_and_not_kept(fake_bankid, owner_client, participant):
    send(owner_client, participant, recipient="annan.adress@example.se")
    assert mail.outbox[0].to == ["annan.adress@example.se"]
    link = SigningLink.objects.get()
    assert link.recipient == ""
    participant.refresh_from_db()
    assert participant.email == "tove.testdotter@example.se"


def test_sms_go_through_the_gateway_only_when_configured(
    fake_bankid, owner_client, participant, settings
):
    response = send(owner_client, participant, channel="sms")
    assert response.status_code == 200 and not SigningLink.objects.exists()
    settings.RATTINSATS_SMS_GATEWAY = "{number}@sms.example.se"
    send(owner_client, participant, channel="sms")
    assert mail.outbox[0].to == ["0701234567@sms.example.se"]
    assert "/signera/" in mail.outbox[0].body and len(mail.outbox[0].body) < 200


def test_a_participant_without_an_address_needs_one_typed(fake_bankid, owner, owner_client):
    participant = ParticipantFactory(responsible=owner, email="")
    response = send(owner_client, participant)
    assert "Deltagaren har ingen e-postadress: skriv in en." in response.content.decode()
    assert not SigningLink.objects.exists()


def test_the_participant_signs_once_through_the_link(fake_bankid, owner_client, participant):
    task = task_create(
        assignee=participant.responsible, kind=Task.Kind.RENEW_CONSENT, participant=participant
    )
    send(owner_client, participant)
    path = sent_link()
    browser = Client()
    opened = browser.get(path)
    assert opened.status_code == 302 and opened.url == reverse("signing:public")
    page = browser.get(opened.url).content.decode()
    assert "Samtycke till att uppgifter delas inom Rätt insats" in page
    assert "Ekonomiskt bistånd" in page and "Textversion 1" in page
    assert participant.personnummer not in page and participant.last_name not in page

    state = sign_through(browser, path, fake_bankid, participant.personnummer)
    assert state["state"] == "complete"
    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.BANKID and consent.text_version.version == 1
    assert consent.recorded_by == participant.responsible
    assert Signature.objects.get().via_link
    task.refresh_from_db()
    assert task.done_at is not None
    receipt = browser.get(reverse("signing:public")).content.decode()
    assert "Klart" in receipt
    event = AuditEvent.objects.get(object_type="participants.consent")
    assert event.user is None and "länk" in event.detail

    # Used: the link works no more, in this browser or another.
    assert Client().get(path).status_code == 410
    assert browser.get(path).status_code == 410


def test_an_expired_or_stopped_link_does_not_work(fake_bankid, owner, owner_client, participant):
    send(owner_client, participant)
    path = sent_link()
    SigningLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().get(path)
    assert response.status_code == 410
    assert "Länken fungerar inte" in response.content.decode()

    send(owner_client, participant)
    second = sent_link()
    link = SigningLink.objects.order_by("-pk").first()
    browser = Client()
    browser.get(second)
    owner_client.post(reverse("signing:link_revoke", args=[participant.pk, link.pk]))
    assert browser.get(reverse("signing:public")).status_code == 410
    assert browser.post(reverse("signing:public_start"), {"method": "qr"}).status_code == 302
    assert not SigningOrder.objects.exists()


def test_an_unknown_token_is_404(db):
    assert Client().get(reverse("signing:link") + "?l=" + "x" * 43).status_code == 404
    assert Client().get(reverse("signing:public")).status_code == 404


def test_the_page_is_rate_limited_per_ip_and_per_link(
    fake_bankid, owner_client, participant, settings
):
    settings.RATTINSATS_SIGNING_RATE_PER_IP = 5
    settings.RATTINSATS_SIGNING_RATE_PER_LINK = 3
    send(owner_client, participant)
    path = sent_link()
    # Per link, from several addresses.
    answers = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(path).status_code for n in range(1, 6)]
    assert answers == [302, 302, 302, 429, 429]
    # Per IP, guessing tokens.
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    guesses = [
        guesser.get(reverse("signing:link"), {"l": f"guess{n:038d}"}).status_code for n in range(7)
    ]
    assert guesses == [404] * 5 + [429] * 2
    # Kept in the database (shared by every app server), as keyed hashes.
    assert RateLimitBucket.objects.exists()
    assert not RateLimitBucket.objects.filter(key__contains="203.0.113.9").exists()


def test_another_persons_bankid_is_refused_and_audited(fake_bankid, owner_client, participant):
    send(owner_client, participant)
    path = sent_link()
    browser = Client()
    other = next(n for n in testnumbers.working_age() if n != participant.personnummer)
    state = sign_through(browser, path, fake_bankid, other)
    assert state["state"] == "refused"
    assert "tillhör inte deltagaren" in state["message"]
    assert not Consent.objects.exists()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.participant_id == participant.pk and other not in denied.detail
    # The link is not used up by someone else's attempt.
    assert SigningLink.objects.get().used_at is None


def test_a_withdrawal_through_the_link_blocks_flags_at_once(
    fake_bankid, owner, owner_client, participant
):
    eb = organisation("ekonomiskt_bistand")
    consent = ConsentFactory(participant=participant, organisations=[eb])
    flag_create(actor=owner, participant=participant, organisation=eb, reason="Före")
    with _capture["run"](execute=True):
        response = owner_client.post(
            reverse("signing:link_send_withdrawal", args=[participant.pk]),
            {"consent": consent.pk, "channel": "email"},
        )
    assert response.status_code == 302
    assert mail.outbox[0].subject == "Återkalla ditt samtycke i Rätt insats"
    browser = Client()
    path = sent_link()
    browser.get(path)
    page = browser.get(reverse("signing:public")).content.decode()
    assert "Jag återkallar mitt samtycke" in page
    state = sign_through(browser, path, fake_bankid, participant.personnummer)
    assert state["state"] == "complete"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_method == ConsentMethod.BANKID and consent.withdrawn_by is None
    assert Signature.objects.get().kind == Signature.Kind.WITHDRAWAL
    with pytest.raises(ConsentMissing):
        flag_create(actor=owner, participant=participant, organisation=eb, reason="Efter")
    assert AuditEvent.objects.filter(
        object_type="participants.consent", detail="återkallat med BankID"
    ).exists()
    # The tab's history shows how.
    tab = owner_client.get(reverse("participants:consents", args=[participant.pk]))
    assert "av deltagaren med BankID" in tab.content.decode()


def test_a_renewal_link_renews_the_consent_and_clears_the_task(
    fake_bankid, owner, owner_client, participant
):
    today = timezone.localdate()
    af = organisation("arbetsformedlingen")
    ConsentFactory(
        participant=participant,
        organisations=[af],
        valid_until=today + datetime.timedelta(days=20),
    )
    task = task_create(assignee=owner, kind=Task.Kind.RENEW_CONSENT, participant=participant)
    tab = owner_client.get(reverse("participants:consents", args=[participant.pk])).content
    assert "Skicka länk för förnyelse" in tab.decode()
    form = owner_client.get(reverse("signing:link_send", args=[participant.pk])).content.decode()
    assert "Skicka länk för att förnya samtycket" in form
    send(owner_client, participant, organisations=[af.pk])
    assert SigningLink.objects.get().purpose == Purpose.RENEWAL
    assert mail.outbox[0].subject == "Förnya ditt samtycke i Rätt insats"
    state = sign_through(Client(), sent_link(), fake_bankid, participant.personnummer)
    assert state["state"] == "complete"
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == owner
    renewed = Consent.objects.filter(participant=participant).order_by("-pk").first()
    assert renewed.method == ConsentMethod.BANKID
    assert renewed.valid_until == today + datetime.timedelta(days=300)


def test_only_staff_who_may_change_the_case_send_links(fake_bankid, participant):
    from guardian.shortcuts import assign_perm

    outsider = UserFactory(username="outsider")
    viewer = UserFactory(username="viewer")
    assign_perm("participants.view_participant", viewer, participant)
    url = reverse("signing:link_send", args=[participant.pk])
    data = {
        "organisations": [organisation("ekonomiskt_bistand").pk],
        "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "channel": "email",
    }
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(viewer).post(url, data).status_code == 403
    withdrawal = reverse("signing:link_send_withdrawal", args=[participant.pk])
    assert client_for(viewer).get(withdrawal).status_code == 403
    assert not SigningLink.objects.exists() and not mail.outbox


def test_the_token_reaches_no_log(fake_bankid, owner_client, participant, caplog):
    """The token is in the query string, which neither Django's request log
    (a 404 or 410 names the path) nor the access log (``%(U)s``) writes."""
    send(owner_client, participant)
    path = sent_link()
    token = path.split("?l=", 1)[1]
    caplog.set_level("DEBUG")
    browser = Client()
    assert browser.get(path).status_code == 302
    assert Client().get(path).status_code in (302, 410)
    assert Client().get(reverse("signing:link"), {"l": token[::-1]}).status_code == 404
    assert token not in caplog.text and token[::-1] not in caplog.text
    assert "/signera/lank/" in caplog.text  # the 404 was logged, by its path
