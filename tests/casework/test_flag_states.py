"""A flag's states: att skicka → skickad (who, when, how) → kvitterad, or
att skicka → återkallad (who, when, why). Each move is a service with a
permission check and one audit event, and an impossible move is refused in
Swedish."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from casework import services as casework
from casework.models import Flag
from casework.services import flag_create
from rattinsats.models import AuditEvent
from tests.factories import ConsentFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(owner, participant):
    ConsentFactory(participant=participant)
    return flag_create(
        actor=owner,
        participant=participant,
        organisation=organisation("arbetsformedlingen"),
        reason="Har fått praktikplats",
    )


def flag_events(flag):
    return AuditEvent.objects.filter(
        object_type="casework.flag", object_id=str(flag.pk), action="change"
    )


def test_it_records_who_sent_a_flag_when_and_how(owner, flag):
    before = timezone.now()
    casework.flag_send(actor=owner, flag=flag, via=Flag.SentVia.AIS)
    # The caller's object follows the stored row.
    assert flag.status == Flag.Status.SENT
    flag.refresh_from_db()
    assert flag.status == Flag.Status.SENT
    assert flag.sent_by == owner and flag.sent_via == Flag.SentVia.AIS
    assert flag.sent_at >= before
    assert flag.get_sent_via_display() == "AIS"
    event = flag_events(flag).get()
    assert event.user == owner and event.detail == "status sent via ais"
    assert event.participant_id == flag.participant_id


@pytest.mark.parametrize("via", ["", "fax", "VIVA"])
def test_it_refuses_to_send_without_saying_how(owner, flag, via):
    with pytest.raises(ValidationError) as exc:
        casework.flag_send(actor=owner, flag=flag, via=via)
    assert exc.value.message_dict["via"] == ["Ange hur flaggan skickades: Viva, AIS eller telefon."]
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN and flag.sent_at is None
    assert not flag_events(flag).exists()


def test_it_records_who_recorded_the_acknowledgement(owner, flag):
    casework.flag_send(actor=owner, flag=flag, via=Flag.SentVia.PHONE)
    casework.flag_acknowledge(actor=owner, flag=flag)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DONE
    assert flag.get_status_display() == "Kvitterad"
    assert flag.done_by == owner and flag.done_at >= flag.sent_at
    assert [e.detail for e in flag_events(flag).order_by("id")] == [
        "status sent via telefon",
        "status done",
    ]


def test_it_withdraws_an_unsent_flag_with_who_when_and_why(owner, flag):
    casework.flag_withdraw(actor=owner, flag=flag, reason="  Skapad av misstag  ")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.WITHDRAWN
    assert flag.get_status_display() == "Återkallad"
    assert flag.withdrawn_by == owner and flag.withdrawn_at is not None
    assert flag.withdrawn_reason == "Skapad av misstag"
    assert flag.sent_at is None
    assert flag_events(flag).get().detail == "status withdrawn"


def test_it_asks_why_a_flag_is_withdrawn(owner, flag):
    with pytest.raises(ValidationError) as exc:
        casework.flag_withdraw(actor=owner, flag=flag, reason=" ")
    assert exc.value.message_dict["withdrawn_reason"] == ["Ange varför flaggan återkallas."]
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_it_never_withdraws_a_flag_the_organisation_has(owner, flag):
    casework.flag_send(actor=owner, flag=flag, via=Flag.SentVia.AIS)
    with pytest.raises(ValidationError) as exc:
        casework.flag_withdraw(actor=owner, flag=flag, reason="Fel")
    assert exc.value.messages == [
        "Flaggan är redan skickad och kan inte återkallas. Skapa en ny flagga till "
        "organisationen i stället."
    ]
    casework.flag_acknowledge(actor=owner, flag=flag)
    with pytest.raises(ValidationError, match="redan skickad"):
        casework.flag_withdraw(actor=owner, flag=flag, reason="Fel")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DONE and flag.withdrawn_at is None


@pytest.mark.parametrize(
    ("moves", "move", "message"),
    [
        ([], "done", "Flaggan kan inte få status ”Kvitterad” nu: den har status ”Att skicka”."),
        (["sent"], "sent", "Flaggan kan inte få status ”Skickad” nu: den har status ”Skickad”."),
        (
            ["sent", "done"],
            "sent",
            "Flaggan kan inte få status ”Skickad” nu: den har status ”Kvitterad”.",
        ),
        (
            ["withdrawn"],
            "sent",
            "Flaggan kan inte få status ”Skickad” nu: den har status ”Återkallad”.",
        ),
        (
            ["withdrawn"],
            "done",
            "Flaggan kan inte få status ”Kvitterad” nu: den har status ”Återkallad”.",
        ),
        (
            ["withdrawn"],
            "withdrawn",
            "Flaggan kan inte få status ”Återkallad” nu: den har status ”Återkallad”.",
        ),
    ],
)
def test_it_refuses_impossible_moves_in_swedish(owner, flag, moves, move, message):
    for done in moves:
        casework.flag_set_status(actor=owner, flag=flag, status=done, reason="Fel")
    stored = Flag.objects.get(pk=flag.pk)
    events = flag_events(flag).count()
    with pytest.raises(ValidationError) as exc:
        casework.flag_set_status(actor=owner, flag=flag, status=move, via="viva", reason="Fel")
    assert exc.value.messages == [message]
    after = Flag.objects.get(pk=flag.pk)
    assert [getattr(after, f) for f in casework.FLAG_STATE_FIELDS] == [
        getattr(stored, f) for f in casework.FLAG_STATE_FIELDS
    ]
    assert flag_events(flag).count() == events


MOVES = {
    "send": lambda actor, flag: casework.flag_send(actor=actor, flag=flag, via="viva"),
    "acknowledge": lambda actor, flag: casework.flag_acknowledge(actor=actor, flag=flag),
    "withdraw": lambda actor, flag: casework.flag_withdraw(actor=actor, flag=flag, reason="Fel"),
}


@pytest.mark.parametrize("move", sorted(MOVES))
def test_it_refuses_every_move_to_staff_who_may_not_change_the_case(owner, teammate, flag, move):
    if move == "acknowledge":
        casework.flag_send(actor=owner, flag=flag, via="viva")
    status = Flag.objects.get(pk=flag.pk).status
    with pytest.raises(PermissionDenied):
        MOVES[move](teammate, flag)
    assert Flag.objects.get(pk=flag.pk).status == status
    assert not AuditEvent.objects.filter(user=teammate).exists()


def test_the_demo_datas_way_sends_through_the_organisations_own_system(owner, participant):
    ConsentFactory(participant=participant)
    eb = flag_create(
        actor=owner,
        participant=participant,
        organisation=organisation("ekonomiskt_bistand"),
        reason="Start",
    )
    af = flag_create(
        actor=owner,
        participant=participant,
        organisation=organisation("arbetsformedlingen"),
        reason="Start",
    )
    casework.flag_set_status(actor=owner, flag=eb, status=Flag.Status.SENT)
    casework.flag_set_status(actor=owner, flag=af, status=Flag.Status.SENT)
    assert (eb.sent_via, af.sent_via) == (Flag.SentVia.VIVA, Flag.SentVia.AIS)
    assert eb.sent_by == af.sent_by == owner


# --- The migration keeps old flags valid --------------------------------------


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_stored_states_and_finds_who_sent_them(owner, participant):
    before = ("casework", "0001_initial")
    after = ("casework", "0003_flag_sent_by_from_audit_trail")
    eb = organisation("ekonomiskt_bistand")
    try:
        _migrate(before)
        state = MigrationExecutor(connection).loader.project_state(before).apps
        OldFlag = state.get_model("casework", "Flag")
        now = timezone.now()
        common = {
            "participant_id": participant.pk,
            "organisation_id": eb.pk,
            "created_by_id": owner.pk,
            "reason": "Start",
        }
        open_flag = OldFlag.objects.create(status="open", **common)
        sent = OldFlag.objects.create(status="sent", sent_at=now, **common)
        done = OldFlag.objects.create(status="done", sent_at=now, done_at=now, **common)
        # The audit trail of the old moves: under the old app's name for
        # one, the new for another.
        AuditEvent.objects.create(
            user=owner,
            action="change",
            object_type="participants.flag",
            object_id=str(sent.pk),
            detail="status sent",
        )
        AuditEvent.objects.create(
            user=owner,
            action="change",
            object_type="casework.flag",
            object_id=str(done.pk),
            detail="status sent",
        )
        AuditEvent.objects.create(
            user=owner,
            action="change",
            object_type="casework.flag",
            object_id=str(done.pk),
            detail="status done",
        )

        _migrate(after)

        flags = {f.pk: f for f in Flag.objects.all()}
        assert flags[open_flag.pk].status == Flag.Status.OPEN
        assert flags[open_flag.pk].get_status_display() == "Att skicka"
        assert flags[open_flag.pk].sent_by is None
        assert flags[sent.pk].status == Flag.Status.SENT
        assert (flags[sent.pk].sent_by, flags[sent.pk].sent_via) == (owner, "")
        assert flags[done.pk].status == Flag.Status.DONE
        assert flags[done.pk].get_status_display() == "Kvitterad"
        assert (flags[done.pk].sent_by, flags[done.pk].done_by) == (owner, owner)
        assert all(f.withdrawn_at is None for f in flags.values())

        # And back: a withdrawn flag needs nothing more, as a done one.
        casework.flag_withdraw(actor=owner, flag=flags[open_flag.pk], reason="Fel")
        _migrate(before)
        state = MigrationExecutor(connection).loader.project_state(before).apps
        assert state.get_model("casework", "Flag").objects.get(pk=open_flag.pk).status == "done"
    finally:
        _migrate(after)
