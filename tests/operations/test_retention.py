"""Retention (gallring): participations that ended long ago are anonymised,
the statistics stay the same."""

import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import Flag, Intervention, JournalNote
from closure.models import (
    EmploymentStatus,
    FollowUp,
    IncomeSource,
    LabourMarketTraining,
    StatusSnapshot,
    SummaryDocument,
)
from mapping.models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    StepwiseMove,
)
from operations.retention import retention_anonymise, retention_cutoff
from participants.models import ClosureReason, ClosureResult, Consent, Participant
from rattinsats.models import AuditEvent, User
from referrals.models import Referral, WeeklyMeeting
from signing.models import Purpose, Signature, SigningLink, SigningOrder
from tests.conftest import client_for
from tests.factories import (
    ConsentFactory,
    ParticipantFactory,
    ReferralFactory,
    StepwiseMoveFactory,
    activity,
    organisation,
)
from tests.signing.fakes import ensure_consent_text

SECRET = "Hemlig anteckning om Alva"


@pytest.fixture
def media(private_media):
    return private_media


def _closed_case(owner, *, ended_days_ago: int) -> Participant:
    """A closed participation with something in every personal field."""
    today = timezone.localdate()
    end = today - datetime.timedelta(days=ended_days_ago)
    start = end - datetime.timedelta(days=200)
    p = ParticipantFactory(
        responsible=owner,
        start_date=start,
        phone="070-123 45 67",
        email="alva@example.se",
        preferred_language="arabiska",
        interpreter_needed=True,
        target_group="FS",
        referring_organisation=organisation("jobbcentrum"),
    )
    consent = ConsentFactory(participant=p, signed_on=start, valid_until=end)
    consent.document.save("samtycke.pdf", ContentFile(b"%PDF-1.4 samtycke"), save=True)
    referral = ReferralFactory(
        personnummer=p.personnummer,
        first_name=p.first_name,
        last_name=p.last_name,
        status=Referral.Status.ACCEPTED,
        participant=p,
        reason=SECRET,
        check_note=SECRET,
        return_reason=SECRET,
        phone=p.phone,
        email=p.email,
    )
    referral.consent_document.save("blankett.pdf", ContentFile(b"%PDF-1.4 blankett"), save=True)
    _signed_with_bankid(p, owner, signed_on=start)
    JournalNote.objects.create(
        participant=p, kind="journal", happened_on=start, text=SECRET, author=owner
    )
    Intervention.objects.create(
        participant=p, activity=activity(), start_date=start, notes=SECRET, created_by=owner
    )
    Flag.objects.create(
        participant=p,
        organisation=organisation("ekonomiskt_bistand"),
        reason=SECRET,
        created_by=owner,
    )
    StepwiseMoveFactory(participant=p, period=1, note=SECRET)
    StatusSnapshot.objects.create(
        participant=p,
        moment="start",
        employment_status=EmploymentStatus.SEEKING_WORK,
        income_source=IncomeSource.EKONOMISKT_BISTAND,
    )
    mapping = MappingDocument.objects.create(
        participant=p, education_experience=SECRET, goal=SECRET, goal_direction="arbete"
    )
    MappingDocumentRevision.objects.create(
        document=mapping,
        version=1,
        data={"goal": SECRET, "goal_direction": "arbete"},
        changed_fields=["goal"],
    )
    GoalDocument.objects.create(
        participant=p, goal=SECRET, delmal_1=SECRET, other=SECRET, delmal_1_status="uppnatt"
    )
    GoalDocumentRevision.objects.create(
        participant=p,
        kind="document",
        version=1,
        data={"goal": SECRET, "delmal_1_status": "uppnatt"},
    )
    GoalDocumentRevision.objects.create(
        participant=p, kind="move", period=1, data={"period": 1, "note": SECRET}
    )
    LabourMarketTraining.objects.create(
        participant=p, starts_on=start, note=SECRET, recorded_by=owner
    )
    p.status = Participant.Status.CLOSED
    p.end_date = end
    p.closure_reason = ClosureReason.WORK
    p.closure_result = ClosureResult.EXTRATJANST
    p.save()
    closure = p.closures.create(
        closed_on=end,
        reason=ClosureReason.WORK,
        result=ClosureResult.EXTRATJANST,
        note=SECRET,
        reopen_reason="",
        employment_status=EmploymentStatus.SUBSIDISED_WORK,
        income_source=IncomeSource.SALARY,
        closed_by=owner,
    )
    FollowUp.objects.create(
        closure=closure,
        followed_up_on=end + datetime.timedelta(days=30),
        reached=True,
        note=SECRET,
        recorded_by=owner,
    )
    SummaryDocument.objects.create(
        participant=p,
        closure=closure,
        version=1,
        text=SECRET,
        pdf=b"%PDF-1.4 x",
        sha256="0" * 64,
        created_by=owner,
    )
    return p


def _signed_with_bankid(p: Participant, owner, *, signed_on) -> Consent:
    """A consent signed with BankID and withdrawn through the participant's
    link, with what BankID returned, and a link whose typed address was
    never sent."""
    text = ensure_consent_text()
    consent = ConsentFactory(
        participant=p,
        signed_on=signed_on,
        valid_until=signed_on + datetime.timedelta(days=100),
        method="bankid",
        text_version=text,
        withdrawal_method="bankid",
        withdrawn_at=timezone.now(),
    )
    link = SigningLink.objects.create(
        participant=p,
        purpose=Purpose.WITHDRAWAL,
        channel=SigningLink.Channel.EMAIL,
        recipient="alva.privat@example.se",
        token_hash="a" * 64 if p.pk % 2 else "b" * 64,
        created_by=owner,
        expires_at=timezone.now(),
        text_version=text,
        consent=consent,
    )
    for n, kind in enumerate((Signature.Kind.CONSENT, Signature.Kind.WITHDRAWAL)):
        order = SigningOrder.objects.create(
            participant=p,
            purpose=Purpose.CONSENT if kind == Signature.Kind.CONSENT else Purpose.WITHDRAWAL,
            method=SigningOrder.Method.QR,
            started_by=owner,
            link=link if kind == Signature.Kind.WITHDRAWAL else None,
            text_version=text,
            consent=consent,
            signed_text="Samtycke, Rätt insats",
            user_visible_data="# Samtycke, Rätt insats",
            order_ref=f"order-{p.pk}-{n}",
            qr_start_token="qr-token",
            qr_start_secret="qr-secret",
            status=SigningOrder.Status.COMPLETE,
        )
        Signature.objects.create(
            consent=consent,
            kind=kind,
            order=order,
            order_ref=order.order_ref,
            via_link=order.link_id is not None,
            text_version=text,
            signed_text="Samtycke, Rätt insats",
            user_visible_data="# Samtycke, Rätt insats",
            personal_number=p.personnummer,
            name=f"{p.first_name} {p.last_name}",
            given_name=p.first_name,
            surname=p.last_name,
            # BankID's signature and OCSP response carry the personnummer and name too.
            signature=f"<Signature>{p.personnummer} {p.last_name}</Signature>",
            ocsp_response=f"ocsp {p.personnummer}",
            bank_id_issue_date="2019-03-01",
            completed_at=timezone.now(),
        )
    return consent


def test_it_removes_every_piece_of_personal_data(owner, media, django_capture_on_commit_callbacks):
    old = _closed_case(owner, ended_days_ago=6 * 365)
    recent = _closed_case(owner, ended_days_ago=30)
    old_number, old_name = old.personnummer, old.last_name
    consent_file = Consent.objects.exclude(method="bankid").get(participant=old).document.name
    referral_file = Referral.objects.get(participant=old).consent_document.name
    assert (media / consent_file).exists() and (media / referral_file).exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = retention_anonymise(years=5)

    assert result.participant_ids == [old.pk]
    old.refresh_from_db()
    assert old.is_anonymised
    assert (old.personnummer, old.first_name, old.last_name) == ("", "", "")
    assert (old.phone, old.email, old.preferred_language) == ("", "", "")
    assert old.interpreter_needed is False
    # Kept for the statistics.
    assert old.gender == "kvinna" and old.target_group == "FS"
    assert old.status == "avslutad" and old.end_date and old.start_date
    assert (old.closure_reason, old.closure_result) == ("arbete", "extratjanst")
    assert old.referring_organisation.kind == "jobbcentrum"
    assert StepwiseMove.objects.get(participant=old).category.code == "praktik_arbetsprovning"
    assert StatusSnapshot.objects.filter(participant=old).count() == 1
    assert old.closures.get().employment_status == EmploymentStatus.SUBSIDISED_WORK
    assert GoalDocument.objects.get(participant=old).delmal_1_status == "uppnatt"
    assert MappingDocument.objects.get(participant=old).goal_direction == "arbete"

    referral = Referral.objects.get(participant=old)
    assert referral.personnummer == "" and referral.first_name == "" and referral.phone == ""
    assert (referral.reason, referral.check_note, referral.return_reason) == ("", "", "")
    assert not referral.consent_document and referral.target_group == "FS"
    assert referral.full_name == referral.personnummer_masked == "Anonymiserad"
    assert not Consent.objects.exclude(method="bankid").get(participant=old).document
    assert not (media / consent_file).exists() and not (media / referral_file).exists()

    summary = SummaryDocument.objects.get(participant=old)
    assert (summary.text, bytes(summary.pdf), summary.sha256) == ("", b"", "")
    assert GoalDocumentRevision.objects.get(participant=old, kind="move").data == {
        "period": 1,
        "note": "",
    }
    assert GoalDocumentRevision.objects.get(participant=old, kind="document").data == {
        "goal": "",
        "delmal_1_status": "uppnatt",
    }

    # No row anywhere still holds the old personnummer, name or free text.
    with connection.cursor() as cursor:
        for model in _all_models():
            text_columns = [
                f.column
                for f in model._meta.concrete_fields
                if f.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField")
            ]
            for column in text_columns:
                table = connection.ops.quote_name(model._meta.db_table)
                col = connection.ops.quote_name(column)
                for needle in (old_number, old_name):
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE CAST({col} AS TEXT) LIKE %s",  # noqa: S608
                        [f"%{needle}%"],
                    )
                    assert cursor.fetchone()[0] == 0, (model, column, needle)
    # The recent case is untouched.
    recent.refresh_from_db()
    assert not recent.is_anonymised and recent.personnummer
    assert JournalNote.objects.get(participant=recent).text == SECRET
    for model, lookup in (
        (JournalNote, "text"),
        (Intervention, "notes"),
        (Flag, "reason"),
        (LabourMarketTraining, "note"),
        (StepwiseMove, "note"),
        (FollowUp, "note"),
    ):
        assert model.objects.filter(**{lookup: SECRET}).count() == 1, model


def _all_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label != "contenttypes"]


def test_it_removes_what_bankid_returned_and_keeps_that_it_was_signed(owner, media):
    old = _closed_case(owner, ended_days_ago=6 * 365)
    recent = _closed_case(owner, ended_days_ago=30)
    consent = Consent.objects.get(participant=old, method="bankid")
    signed_on, valid_until = consent.signed_on, consent.valid_until

    retention_anonymise(years=5)

    signatures = Signature.objects.filter(consent__participant=old)
    assert signatures.count() == 2
    for signature in signatures:
        assert (signature.personal_number, signature.name) == ("", "")
        assert (signature.given_name, signature.surname) == ("", "")
        assert (signature.signature, signature.ocsp_response) == ("", "")
        assert signature.bank_id_issue_date == ""
        # Kept: that it was signed, when, through which order and link, and what.
        assert signature.completed_at and signature.order_ref.startswith("order-")
        assert signature.text_version.version == 1
        assert signature.signed_text == "Samtycke, Rätt insats"
    assert {s.kind for s in signatures} == {"consent", "withdrawal"}
    assert signatures.get(kind="withdrawal").via_link
    link = SigningLink.objects.get(participant=old)
    assert (link.recipient, link.token_hash) == ("", "")
    assert link.purpose == "withdrawal" and link.consent == consent
    for order in SigningOrder.objects.filter(participant=old):
        assert (order.qr_start_token, order.qr_start_secret, order.auto_start_token) == ("",) * 3
        assert order.status == "complete" and order.order_ref
    consent.refresh_from_db()
    assert (consent.signed_on, consent.valid_until) == (signed_on, valid_until)
    assert consent.method == "bankid" and consent.withdrawal_method == "bankid"
    assert consent.withdrawn_at and consent.text_version.version == 1
    assert consent.organisations.count() == 3
    # The receipt was evidence of a signer no longer named: it is gone too.
    client = client_for(owner)
    receipt = reverse("signing:receipt", args=[old.pk, consent.pk])
    assert client.get(receipt).status_code == 404
    page = client.get(reverse("participants:consents", args=[old.pk])).content.decode()
    assert receipt not in page and "BankID" in page

    # The recent case keeps its evidence.
    kept = Signature.objects.filter(consent__participant=recent)
    assert {s.personal_number for s in kept} == {recent.personnummer}
    assert SigningLink.objects.get(participant=recent).recipient == "alva.privat@example.se"


def test_it_is_safe_to_run_twice_and_writes_one_audit_event_each(owner, media):
    a = _closed_case(owner, ended_days_ago=6 * 365)
    b = _closed_case(owner, ended_days_ago=7 * 365)
    first = retention_anonymise(years=5)
    assert sorted(first.participant_ids) == sorted([a.pk, b.pk])
    events = AuditEvent.objects.filter(action="delete", participant_id__in=[a.pk, b.pk])
    assert events.count() == 2
    assert {e.detail for e in events} == {"gallring: personuppgifter borttagna"}
    marker = Participant.objects.get(pk=a.pk).anonymised_at

    second = retention_anonymise(years=5)
    assert second.participant_ids == []
    assert events.count() == 2
    assert Participant.objects.get(pk=a.pk).anonymised_at == marker


def test_it_leaves_active_and_recent_participations_alone(owner, media):
    active = ParticipantFactory(
        responsible=owner, start_date=timezone.localdate() - datetime.timedelta(days=9 * 365)
    )
    recent = _closed_case(owner, ended_days_ago=4 * 365)
    assert retention_anonymise(years=5).participant_ids == []
    assert not Participant.objects.get(pk=active.pk).is_anonymised
    assert not Participant.objects.get(pk=recent.pk).is_anonymised


def _ended_referral(*, status, days_ago: int) -> Referral:
    """A referral that never became a participation, returned or declined
    ``days_ago`` days ago, with its texts and consent form."""
    when = timezone.now() - datetime.timedelta(days=days_ago)
    referral = ReferralFactory(
        status=status,
        phone="070-765 43 21",
        email="kim@example.se",
        preferred_language="somaliska",
        interpreter_needed=True,
        reason=SECRET,
        check_note=SECRET,
        return_reason=SECRET if status == Referral.Status.RETURNED else "",
        returned_at=when if status == Referral.Status.RETURNED else None,
        decided_at=when if status == Referral.Status.DECLINED else None,
    )
    referral.consent_document.save("blankett.pdf", ContentFile(b"%PDF-1.4 blankett"), save=True)
    return referral


def test_it_anonymises_referrals_that_never_became_a_participation(
    db, media, django_capture_on_commit_callbacks
):
    returned = _ended_referral(status=Referral.Status.RETURNED, days_ago=6 * 365)
    declined = _ended_referral(status=Referral.Status.DECLINED, days_ago=6 * 365)
    recent = _ended_referral(status=Referral.Status.RETURNED, days_ago=4 * 365)
    waiting = ReferralFactory(reason=SECRET)  # still on its way: never due
    Referral.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8 * 365)
    )
    files = {r.pk: r.consent_document.name for r in (returned, declined, recent)}
    number = returned.personnummer

    with django_capture_on_commit_callbacks(execute=True):
        result = retention_anonymise(years=5)

    assert sorted(result.referral_ids) == sorted([returned.pk, declined.pk])
    for referral in (returned, declined):
        referral.refresh_from_db()
        assert referral.is_anonymised
        assert (referral.personnummer, referral.first_name, referral.last_name) == ("", "", "")
        assert (referral.phone, referral.email, referral.preferred_language) == ("", "", "")
        assert (referral.reason, referral.check_note, referral.return_reason) == ("", "", "")
        assert referral.interpreter_needed is False and not referral.consent_document
        assert not (media / files[referral.pk]).exists()
        # Kept: what, when and from whom, without the person.
        assert referral.gender == "kvinna" and referral.target_group == "FS"
        assert referral.referring_organisation_id and referral.referred_on
        assert referral.consent_organisations.exists()
    assert not Referral.objects.filter(personnummer=number).exists()
    recent.refresh_from_db()
    waiting.refresh_from_db()
    assert recent.reason == waiting.reason == SECRET and recent.personnummer
    assert (media / files[recent.pk]).exists()
    events = AuditEvent.objects.filter(action="delete", object_type="referrals.referral")
    assert sorted(int(e.object_id) for e in events) == sorted([returned.pk, declined.pk])

    assert retention_anonymise(years=5).referral_ids == []
    assert events.count() == 2


def test_it_clears_the_notes_of_old_weekly_meetings(db):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    cutoff = retention_cutoff(years=5, today=today)
    last_old = cutoff - datetime.timedelta(days=cutoff.weekday() + 7)  # its week ends before
    straddling = last_old + datetime.timedelta(days=7)  # its week holds the cutoff day
    notes = {"supervision_notes": SECRET, "employer_notes": SECRET, "development_notes": SECRET}
    old = WeeklyMeeting.objects.create(week_start=last_old, version=3, **notes)
    kept = WeeklyMeeting.objects.create(week_start=straddling, **notes)
    current = WeeklyMeeting.objects.create(week_start=monday, **notes)

    result = retention_anonymise(years=5, today=today)

    assert result.meeting_ids == [old.pk]
    old.refresh_from_db()
    assert (old.supervision_notes, old.employer_notes, old.development_notes) == ("", "", "")
    assert old.version == 4  # a form opened on the old notes is refused
    for meeting in (kept, current):
        meeting.refresh_from_db()
        assert meeting.supervision_notes == SECRET
    event = AuditEvent.objects.get(object_type="referrals.weeklymeeting")
    assert event.object_id == str(old.pk) and event.participant_id is None
    assert retention_anonymise(years=5, today=today).meeting_ids == []


def test_the_command_reports_what_it_removed(db, media):
    _ended_referral(status=Referral.Status.DECLINED, days_ago=6 * 365)
    WeeklyMeeting.objects.create(week_start=datetime.date(2019, 1, 7), supervision_notes=SECRET)
    out = StringIO()
    call_command("retention_anonymise", "--dry-run", stdout=out)
    assert "0 deltagare och 1 anvisningar" in out.getvalue()
    assert "1 veckomöten skulle gallras (inget ändrat)" in out.getvalue()
    assert Referral.objects.filter(reason=SECRET).exists()
    call_command("retention_anonymise", stdout=out)
    assert "Gallrade: 0 deltagare och 1 anvisningar" in out.getvalue()
    assert not Referral.objects.filter(reason=SECRET).exists()
    assert not WeeklyMeeting.objects.filter(supervision_notes=SECRET).exists()


def test_it_reads_the_threshold_from_the_setting(owner, media, settings):
    p = _closed_case(owner, ended_days_ago=3 * 365)
    settings.RATTINSATS_RETENTION_YEARS = 5
    assert retention_anonymise().participant_ids == []
    settings.RATTINSATS_RETENTION_YEARS = 2
    assert retention_anonymise().participant_ids == [p.pk]


def test_it_computes_the_cutoff_in_whole_years():
    assert retention_cutoff(years=5, today=datetime.date(2026, 3, 1)) == datetime.date(2021, 3, 1)
    assert retention_cutoff(years=1, today=datetime.date(2024, 2, 29)) == datetime.date(2023, 2, 28)
    with pytest.raises(ValueError):
        retention_cutoff(years=0)


def test_it_keeps_the_results_identical_on_the_demo_data(db):
    call_command("seed_demo", stdout=StringIO())
    client = Client()
    client.force_login(User.objects.get(username="styrgrupp"))
    url = reverse("reports:results_json")
    periods = [{}, {"from": "2024-01-01", "to": "2025-06-30"}]
    before = [client.get(url, params).json() for params in periods]

    out = StringIO()
    call_command("retention_anonymise", "--years", "1", "--dry-run", stdout=out)
    assert "inget ändrat" in out.getvalue()
    assert not Participant.objects.filter(anonymised_at__isnull=False).exists()

    call_command("retention_anonymise", "--years", "1", stdout=out)
    anonymised = Participant.objects.filter(anonymised_at__isnull=False)
    # Many of the demo's closed participations ended more than a year ago.
    assert anonymised.count() >= 20
    assert not anonymised.exclude(personnummer="").exists()
    assert not JournalNote.objects.filter(participant__in=anonymised).exclude(text="").exists()
    after = [client.get(url, params).json() for params in periods]
    assert after == before


def test_the_command_refuses_a_threshold_below_one_year(db):
    with pytest.raises(CommandError):
        call_command("retention_anonymise", "--years", "0", stdout=StringIO())


def test_it_shows_an_anonymised_participant_as_such_and_read_only(owner, media):
    p = _closed_case(owner, ended_days_ago=6 * 365)
    number, last_name = p.personnummer_display, p.last_name
    retention_anonymise(years=5)
    client = client_for(owner)
    page = client.get(reverse("participants:detail", args=[p.pk])).content.decode()
    assert "Anonymiserad" in page
    assert number not in page and last_name not in page and "alva@example.se" not in page
    listing = client.get(reverse("participants:list")).content.decode()
    assert "Anonymiserad" in listing and last_name not in listing
    for name in ("casework:journal", "closure:tab", "mapping:goals"):
        page = client.get(reverse(name, args=[p.pk])).content.decode()
        assert SECRET not in page and last_name not in page, name
    assert client.get(reverse("closure:summary_download", args=[p.pk, 1])).status_code == 404
    notes = JournalNote.objects.count()
    response = client.post(
        reverse("casework:journal", args=[p.pk]),
        {"kind": "journal", "happened_on": "2020-01-01", "text": "Ny"},
    )
    assert response.status_code in (403, 404)
    assert JournalNote.objects.count() == notes
    # Reopening is refused: an anonymised participation stays closed.
    response = client.post(reverse("closure:reopen", args=[p.pk]), {"reason": "x"})
    assert response.status_code in (403, 404)
    assert Participant.objects.get(pk=p.pk).status == "avslutad"


def test_it_leaves_anonymised_participations_out_of_the_workbook(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from openpyxl import load_workbook

    from participants.models import Participant

    call_command("seed_demo", stdout=StringIO())
    call_command("retention_anonymise", "--years", "1", stdout=StringIO())
    anonymised = Participant.objects.filter(anonymised_at__isnull=False).count()
    assert anonymised > 0
    target = tmp_path / "maldokument.xlsx"
    call_command("export_goal_document", str(target), stdout=StringIO())
    rows = list(load_workbook(target).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == Participant.objects.count() - anonymised
    assert all(row[0] for row in rows)
