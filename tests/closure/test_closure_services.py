"""Closure, its correction, the status snapshots and labour-market trainings."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework.models import Flag
from casework.selectors import reminders_for
from casework.services import flag_acknowledge, flag_send
from closure import services
from closure.models import (
    Closure,
    EmploymentStatus,
    IncomeSource,
    LabourMarketTraining,
    OtherClosureReason,
    StatusSnapshot,
)
from participants.models import ClosureReason, ClosureResult, Participant, Task
from participants.periods import add_months
from participants.services import consent_withdraw
from rattinsats.models import AuditEvent, Notification, Organisation
from referrals.models import Referral
from tests.factories import (
    ConsentFactory,
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    organisation,
)

pytestmark = pytest.mark.django_db

END_STATUS = {
    "employment_status": EmploymentStatus.PAID_WORK,
    "income_source": IncomeSource.SALARY,
}


def close(participant, actor=None, **kwargs):
    data = {
        "closed_on": timezone.localdate(),
        "reason": ClosureReason.WORK,
        "result": ClosureResult.NYSTARTSJOBB,
        **END_STATUS,
        **kwargs,
    }
    return services.participant_close(
        actor=actor or participant.responsible, participant=participant, **data
    )


def test_it_closes_because_of_work_in_one_go(owner, participant):
    ConsentFactory(participant=participant)
    closed_on = timezone.localdate() - datetime.timedelta(days=2)

    closure = close(participant, owner, closed_on=closed_on)

    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert participant.end_date == closed_on
    assert participant.closure_reason == ClosureReason.WORK
    assert participant.closure_result == ClosureResult.NYSTARTSJOBB
    assert closure.closed_by == owner
    # All three organisations are told.
    flags = Flag.objects.filter(participant=participant, kind=Flag.Kind.CLOSURE)
    assert sorted(f.organisation.kind for f in flags) == sorted(Organisation.Kind.values)
    assert closed_on.isoformat() in flags[0].reason
    assert not closure.flags_missing.exists()
    # The follow-up is due a month after the closure, for the responsible.
    task = Task.objects.get(participant=participant, kind=Task.Kind.FOLLOW_UP)
    assert task.due_on == add_months(closed_on, 1)
    assert task.assignee == owner
    assert closure.follow_up_task == task
    end = StatusSnapshot.objects.get(participant=participant, moment=StatusSnapshot.Moment.END)
    assert end.employment_status == EmploymentStatus.PAID_WORK
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="closure.closure"
    ).exists()


def test_it_settles_the_open_tasks_of_the_case(owner, participant):
    from participants.services import task_create

    renew = task_create(assignee=owner, kind=Task.Kind.RENEW_CONSENT, participant=participant)
    other_case = task_create(assignee=owner, kind=Task.Kind.RENEW_CONSENT)
    close(participant, owner)
    renew.refresh_from_db()
    other_case.refresh_from_db()
    assert renew.done_at is not None and renew.done_by == owner
    assert other_case.done_at is None
    follow_up = Task.objects.get(kind=Task.Kind.FOLLOW_UP)
    assert follow_up.done_at is None


def test_it_closes_because_of_studies_with_csn(owner, participant):
    ConsentFactory(participant=participant)
    close(
        participant,
        owner,
        reason=ClosureReason.STUDIES,
        result=ClosureResult.CSN_STUDIES,
        employment_status=EmploymentStatus.STUDIES,
        income_source=IncomeSource.CSN,
    )
    participant.refresh_from_db()
    assert participant.closure_result == ClosureResult.CSN_STUDIES
    assert Task.objects.filter(participant=participant, kind=Task.Kind.FOLLOW_UP).exists()


def test_it_closes_for_other_reasons_without_follow_up(owner, participant):
    ConsentFactory(participant=participant)
    closure = close(
        participant,
        owner,
        reason=ClosureReason.OTHER,
        result="",
        other_reason=OtherClosureReason.LONG_SICK_LEAVE,
        employment_status=EmploymentStatus.OTHER,
        income_source=IncomeSource.SJUKPENNING,
    )
    participant.refresh_from_db()
    assert participant.closure_reason == ClosureReason.OTHER
    assert participant.closure_result == ""
    assert closure.other_reason == OtherClosureReason.LONG_SICK_LEAVE
    assert not Task.objects.filter(participant=participant, kind=Task.Kind.FOLLOW_UP).exists()
    assert Flag.objects.filter(participant=participant, kind=Flag.Kind.CLOSURE).count() == 3


def test_it_closes_without_consent_and_records_the_flags_it_could_not_send(owner, participant):
    # The consent covers only JobbCentrum.
    ConsentFactory(participant=participant, organisations=[organisation("jobbcentrum")])

    closure = close(participant, owner)

    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    sent = Flag.objects.filter(participant=participant, kind=Flag.Kind.CLOSURE)
    assert [f.organisation.kind for f in sent] == ["jobbcentrum"]
    assert sorted(o.kind for o in closure.flags_missing.all()) == [
        "arbetsformedlingen",
        "ekonomiskt_bistand",
    ]
    notes = Notification.objects.filter(user=owner)
    assert notes.count() == 2
    for note in notes:
        assert participant.last_name not in note.message
        assert participant.personnummer not in note.message
        assert note.url.endswith(f"/{participant.pk}/avslut/")


def test_it_sends_a_missing_flag_once_consent_exists(owner, participant):
    closure = close(participant, owner)
    assert closure.flags_missing.count() == 3
    af = organisation("arbetsformedlingen")
    with pytest.raises(ValidationError):
        services.closure_flag_send(actor=owner, closure=closure, organisation=af)

    ConsentFactory(participant=participant, organisations=[af])
    flag = services.closure_flag_send(actor=owner, closure=closure, organisation=af)

    assert flag.kind == Flag.Kind.CLOSURE
    assert af not in closure.flags_missing.all()
    assert closure.flags_missing.count() == 2
    with pytest.raises(ValidationError):
        services.closure_flag_send(actor=owner, closure=closure, organisation=af)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"closed_on": "before_start"},
            "closed_on",
            "Avslutsdatumet kan inte vara före startdatumet",
        ),
        ({"closed_on": "tomorrow"}, "closed_on", "Avslutsdatumet kan inte ligga i framtiden."),
        (
            {"reason": ClosureReason.WORK, "result": ClosureResult.CSN_STUDIES},
            "result",
            "Resultatet Studier med CSN passar inte avslutsorsaken Arbete.",
        ),
        (
            {"reason": ClosureReason.STUDIES, "result": ClosureResult.EXTRATJANST},
            "result",
            "passar inte avslutsorsaken Studier",
        ),
        ({"reason": ClosureReason.WORK, "result": ""}, "result", "Välj resultat"),
        (
            {"reason": ClosureReason.OTHER, "result": ClosureResult.INTROJOBB},
            "result",
            "Ett avslut av övriga skäl har inget resultat.",
        ),
        (
            {"reason": ClosureReason.OTHER, "result": "", "other_reason": ""},
            "other_reason",
            "Välj vilket övrigt skäl.",
        ),
        (
            {"reason": ClosureReason.OTHER, "result": "", "other_reason": "other", "note": " "},
            "note",
            "Beskriv skälet i kommentaren.",
        ),
        ({"employment_status": ""}, "employment_status", "Välj sysselsättning."),
    ],
)
def test_it_refuses_a_bad_closure_and_saves_nothing(owner, participant, changes, field, message):
    ConsentFactory(participant=participant)
    today = timezone.localdate()
    dates = {
        "before_start": participant.start_date - datetime.timedelta(days=1),
        "tomorrow": today + datetime.timedelta(days=1),
    }
    changes = {k: dates.get(v, v) if k == "closed_on" else v for k, v in changes.items()}
    with pytest.raises(ValidationError) as exc:
        close(participant, owner, **changes)
    assert any(message in m for m in exc.value.message_dict[field])
    participant.refresh_from_db()
    assert participant.status == Participant.Status.ACTIVE
    assert participant.end_date is None
    assert not Closure.objects.exists()
    assert not Flag.objects.exists()
    assert not Task.objects.filter(kind=Task.Kind.FOLLOW_UP).exists()
    assert not StatusSnapshot.objects.exists()


def test_it_refuses_to_close_twice(owner, participant):
    close(participant, owner)
    with pytest.raises(ValidationError, match="redan avslutat"):
        close(participant, owner)
    assert Closure.objects.count() == 1


def test_it_lets_only_those_who_may_change_the_case_close_it(participant, teammate, officer):
    for user in (teammate, officer):
        with pytest.raises(PermissionDenied):
            close(participant, user)
    assert not Closure.objects.exists()


def test_it_notifies_the_referring_counsellor_without_personal_data(
    owner, participant, counsellor, django_capture_on_commit_callbacks
):
    counsellor.email = "vagledare@example.invalid"
    counsellor.save()
    # The referral app hears of the closure and tells its counsellor.
    ReferralFactory(
        referred_by=counsellor,
        personnummer=participant.personnummer,
        status=Referral.Status.ACCEPTED,
        participant=participant,
    )

    with django_capture_on_commit_callbacks(execute=True):
        close(participant, owner)

    note = Notification.objects.get(user=counsellor)
    assert participant.last_name not in note.message
    assert len(mail.outbox) == 1
    body = mail.outbox[0].subject + mail.outbox[0].body
    for personal in (participant.first_name, participant.last_name, participant.personnummer):
        assert personal not in body


def test_it_notifies_nobody_while_the_referral_is_not_linked(owner, participant, mailoutbox):
    assert not Referral.objects.filter(participant=participant).exists()
    close(participant, owner)
    assert not mailoutbox
    assert not Notification.objects.exclude(user=owner).exists()


def test_it_reopens_a_closure_registered_by_mistake(owner, participant):
    ConsentFactory(participant=participant)
    closure = close(participant, owner)

    services.closure_reopen(actor=owner, participant=participant, reason="Fel deltagare")

    participant.refresh_from_db()
    assert participant.status == Participant.Status.ACTIVE
    assert participant.end_date is None
    assert participant.closure_reason == participant.closure_result == ""
    closure.refresh_from_db()
    assert closure.reopened_by == owner
    assert closure.reopen_reason == "Fel deltagare"
    assert Closure.objects.filter(participant=participant).count() == 1
    assert not StatusSnapshot.objects.filter(moment=StatusSnapshot.Moment.END).exists()
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).done_at is not None
    # None of the closure flags had been sent: they are withdrawn, and
    # nobody is asked to tell of the undoing either.
    assert not Flag.objects.filter(participant=participant, status=Flag.Status.OPEN).exists()
    assert not Flag.objects.filter(kind=Flag.Kind.CLOSURE_UNDONE).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_type="closure.closure", detail="avslut ångrat"
    ).exists()

    # The participation can be closed again, and the history keeps both.
    close(
        participant,
        owner,
        reason=ClosureReason.OTHER,
        result="",
        other_reason=OtherClosureReason.MOVED_AWAY,
    )
    assert Closure.objects.filter(participant=participant).count() == 2
    participant.refresh_from_db()
    assert participant.closure_reason == ClosureReason.OTHER


def test_undoing_a_closure_withdraws_its_unsent_flags(owner, participant):
    ConsentFactory(participant=participant)
    closure = close(participant, owner)
    flags = list(closure.flags.all())
    assert [f.status for f in flags] == [Flag.Status.OPEN] * 3

    services.closure_reopen(actor=owner, participant=participant, reason="Fel deltagare")

    for flag in flags:
        flag.refresh_from_db()
        # Kept in the history, with who, when and why.
        assert flag.status == Flag.Status.WITHDRAWN
        assert flag.withdrawn_by == owner and flag.withdrawn_at is not None
        assert flag.withdrawn_reason == (
            f"Avslutet {closure.closed_on.isoformat()} är ångrat, så avslutsflaggan ska inte "
            "skickas."
        )
        assert flag.sent_at is None
    assert Flag.objects.filter(participant=participant).count() == 3
    assert (
        AuditEvent.objects.filter(
            object_type="casework.flag", action="change", detail="status withdrawn"
        ).count()
        == 3
    )
    # Staff are not asked to send them: not in Att göra.
    assert reminders_for(owner, timezone.localdate())["flags"] == []


def test_undoing_a_closure_tells_the_organisations_that_were_sent_its_flag(owner, participant):
    ConsentFactory(participant=participant)
    closure = close(participant, owner)
    by_kind = {f.organisation.kind: f for f in closure.flags.select_related("organisation")}
    sent = by_kind[Organisation.Kind.ARBETSFORMEDLINGEN]
    acknowledged = by_kind[Organisation.Kind.JOBBCENTRUM]
    unsent = by_kind[Organisation.Kind.EKONOMISKT_BISTAND]
    flag_send(actor=owner, flag=sent, via=Flag.SentVia.AIS)
    flag_send(actor=owner, flag=acknowledged, via=Flag.SentVia.VIVA)
    flag_acknowledge(actor=owner, flag=acknowledged)

    services.closure_reopen(actor=owner, participant=participant, reason="Fel deltagare")

    unsent.refresh_from_db()
    assert unsent.status == Flag.Status.WITHDRAWN
    sent.refresh_from_db()
    acknowledged.refresh_from_db()
    assert (sent.status, acknowledged.status) == (Flag.Status.SENT, Flag.Status.DONE)
    undo = Flag.objects.filter(participant=participant, kind=Flag.Kind.CLOSURE_UNDONE)
    assert sorted(f.organisation.kind for f in undo) == sorted(
        [Organisation.Kind.ARBETSFORMEDLINGEN, Organisation.Kind.JOBBCENTRUM]
    )
    assert all(f.status == Flag.Status.OPEN and f.created_by == owner for f in undo)
    assert undo[0].reason == (
        f"Avslutet {closure.closed_on.isoformat()} är ångrat (registrerat av misstag). "
        "Deltagandet fortsätter."
    )
    assert undo[0].get_kind_display() == "Avslut ångrat"
    # Att göra asks to send exactly those two.
    flags = reminders_for(owner, timezone.localdate())["flags"]
    assert sorted(r.text for r in flags) == [
        "Avslut ångrat → Arbetsförmedlingen Eskilstuna",
        "Avslut ångrat → Eskilstuna kommun – JobbCentrum",
    ]


def test_undoing_a_closure_flags_no_undo_without_consent(owner, participant):
    consent = ConsentFactory(participant=participant)
    closure = close(participant, owner)
    sent = closure.flags.get(organisation__kind=Organisation.Kind.ARBETSFORMEDLINGEN)
    flag_send(actor=owner, flag=sent, via=Flag.SentVia.PHONE)
    consent_withdraw(actor=owner, consent=consent)

    services.closure_reopen(actor=owner, participant=participant, reason="Fel deltagare")

    assert not Flag.objects.filter(kind=Flag.Kind.CLOSURE_UNDONE).exists()
    assert Flag.objects.filter(status=Flag.Status.WITHDRAWN).count() == 2
    participant.refresh_from_db()
    assert participant.is_active


def test_it_refuses_to_reopen_without_a_reason_or_an_active_closure(owner, participant):
    with pytest.raises(ValidationError, match="inte avslutat"):
        services.closure_reopen(actor=owner, participant=participant, reason="Fel")
    close(participant, owner)
    with pytest.raises(ValidationError) as exc:
        services.closure_reopen(actor=owner, participant=participant, reason="  ")
    assert "Ange varför avslutet ångras." in exc.value.message_dict["reason"]
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED


def test_it_refuses_to_reopen_when_the_person_has_a_new_participation(owner, participant):
    close(participant, owner)
    ParticipantFactory(personnummer=participant.personnummer, responsible=owner)
    with pytest.raises(ValidationError, match="nytt pågående deltagande"):
        services.closure_reopen(actor=owner, participant=participant, reason="Fel")
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert Closure.objects.get().reopened_at is None


def test_it_refuses_reopening_to_others(owner, participant, teammate):
    close(participant, owner)
    with pytest.raises(PermissionDenied):
        services.closure_reopen(actor=teammate, participant=participant, reason="Fel")


def test_it_records_and_corrects_the_status_at_start(owner, participant):
    services.status_at_start_record(
        actor=owner,
        participant=participant,
        employment_status=EmploymentStatus.SEEKING_WORK,
        income_source=IncomeSource.EKONOMISKT_BISTAND,
    )
    services.status_at_start_record(
        actor=owner,
        participant=participant,
        employment_status=EmploymentStatus.OTHER,
        income_source=IncomeSource.EKONOMISKT_BISTAND,
    )
    start = StatusSnapshot.objects.get(participant=participant)
    assert start.moment == StatusSnapshot.Moment.START
    assert start.employment_status == EmploymentStatus.OTHER
    with pytest.raises(ValidationError):
        services.status_at_start_record(
            actor=owner, participant=participant, employment_status="x", income_source="csn"
        )
    with pytest.raises(PermissionDenied):
        services.status_at_start_record(
            actor=UserFactory(),
            participant=participant,
            employment_status=EmploymentStatus.OTHER,
            income_source=IncomeSource.CSN,
        )


def test_it_records_a_labour_market_training_without_closing(owner, participant):
    today = timezone.localdate()
    training = services.labour_market_training_record(
        actor=owner, participant=participant, starts_on=today, note="Svetsutbildning"
    )
    participant.refresh_from_db()
    assert participant.status == Participant.Status.ACTIVE
    assert training.recorded_by == owner
    assert not Closure.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.labour_market_training_record(
            actor=owner,
            participant=participant,
            starts_on=today,
            ends_on=today - datetime.timedelta(days=1),
        )
    assert "ends_on" in exc.value.message_dict
    assert LabourMarketTraining.objects.count() == 1
