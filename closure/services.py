"""Closure (*avslut*), its correction, the follow-up, the before/after status,
labour-market trainings and the summary document (domain.md §4 step 7).

Every write checks the actor's right to change the case, runs in one
transaction and logs one audit event, as in :mod:`participants.services`.
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Flag
from casework.services import ConsentMissing, flag_create, flag_withdraw
from participants.models import ClosureReason, ClosureResult, Participant, Task
from participants.periods import add_months, period_label, period_of
from participants.selectors import (
    participant_require_change,
    participants_visible_to,
)
from participants.services import task_create
from rattinsats.audit import Action, audit_log
from rattinsats.models import Organisation, User
from rattinsats.notifications import notification_send
from rattinsats.pdf import pdf_render

from .models import (
    RESULTS_FOR_REASON,
    Closure,
    EmploymentStatus,
    FollowUp,
    IncomeSource,
    LabourMarketTraining,
    OtherClosureReason,
    StatusSnapshot,
    SummaryDocument,
)
from .signals import participation_closed

logger = logging.getLogger(__name__)

# The organisations told of every closure (domain.md §4 step 7), in the
# order the page lists them.
CLOSURE_FLAG_ORGANISATIONS = [
    Organisation.Kind.EKONOMISKT_BISTAND,
    Organisation.Kind.JOBBCENTRUM,
    Organisation.Kind.ARBETSFORMEDLINGEN,
]
FOLLOW_UP_AFTER_MONTHS = 1
EXTENDED_SUPPORT_MONTHS = 3


def _lock(participant: Participant) -> Participant:
    """The participant row, locked until the transaction ends, so that two
    closures (or a closure and a reopening) cannot interleave."""
    return Participant.objects.select_for_update().get(pk=participant.pk)


# --- Hooks to the parts of the record kept elsewhere ------------------------


def goals_for(participant: Participant) -> dict:
    """The goal and sub-goals of the goal document: ``{"goal": str,
    "sub_goals": [str, ...]}``, empty while no goal document is recorded."""
    from mapping.models import GoalDocument

    document = GoalDocument.objects.filter(participant=participant).first()
    if document is None:
        return {"goal": "", "sub_goals": []}
    sub_goals = []
    for k in (1, 2, 3):
        text = getattr(document, f"delmal_{k}")
        if text:
            status = getattr(document, f"get_delmal_{k}_status_display")()
            sub_goals.append(f"{text} ({status.lower()})" if status else text)
    return {"goal": document.goal, "sub_goals": sub_goals}


def interventions_for(participant: Participant) -> list[dict]:
    """The interventions given, each ``{"name", "start", "end", "note"}``."""
    return [
        {
            "name": f"{i.activity.name} ({i.activity.get_track_display().lower()})",
            "start": i.start_date,
            "end": i.end_date,
            "note": i.notes,
        }
        for i in participant.interventions.select_related("activity").order_by("start_date", "id")
    ]


def moves_for(participant: Participant) -> list:
    """The stepwise moves recorded per three-month period, oldest first."""
    from mapping.models import StepwiseMove

    moves = list(
        StepwiseMove.objects.filter(participant=participant)
        .select_related("category")
        .order_by("period")
    )
    for move in moves:
        move.label = period_label(move.period)
    return moves


# --- Status at start and at closure -----------------------------------------


def _snapshot_validate(employment_status: str, income_source: str) -> None:
    errors = {}
    if employment_status not in EmploymentStatus.values:
        errors["employment_status"] = _("Välj sysselsättning.")
    if income_source not in IncomeSource.values:
        errors["income_source"] = _("Välj huvudsaklig försörjning.")
    if errors:
        raise ValidationError(errors)


def _snapshot_put(
    *, actor: User, participant: Participant, moment: str, employment_status, income_source
) -> StatusSnapshot:
    snapshot, _created = StatusSnapshot.objects.update_or_create(
        participant=participant,
        moment=moment,
        defaults={
            "employment_status": employment_status,
            "income_source": income_source,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    return snapshot


@transaction.atomic
def status_at_start_record(
    *, actor: User, participant: Participant, employment_status: str, income_source: str
) -> StatusSnapshot:
    """Record (or correct) the participant's employment status and main
    income at the start. Staff who may change the case."""
    participant_require_change(actor, participant)
    _snapshot_validate(employment_status, income_source)
    existed = StatusSnapshot.objects.filter(
        participant=participant, moment=StatusSnapshot.Moment.START
    ).exists()
    snapshot = _snapshot_put(
        actor=actor,
        participant=participant,
        moment=StatusSnapshot.Moment.START,
        employment_status=employment_status,
        income_source=income_source,
    )
    audit_log(
        actor=actor,
        action=Action.CHANGE if existed else Action.CREATE,
        obj=snapshot,
        detail="status vid start",
    )
    return snapshot


# --- Closure ----------------------------------------------------------------


def _day_error(
    day: datetime.date | None,
    *,
    earliest: datetime.date,
    missing: str,
    too_early: str,
    future: str,
    today: datetime.date,
) -> str:
    """The message for a date that is missing, before ``earliest`` or in
    the future; empty when the date will do."""
    if day is None:
        return missing
    if day < earliest:
        return too_early % {"date": earliest.isoformat()}
    if day > today:
        return future
    return ""


def closure_validate(
    *,
    participant: Participant,
    closed_on: datetime.date | None,
    reason: str,
    result: str,
    other_reason: str,
    note: str,
    today: datetime.date,
) -> None:
    """Refuse a closure that does not hold together, with Swedish messages
    by field."""
    errors: dict[str, str] = {}
    date_error = _day_error(
        closed_on,
        earliest=participant.start_date,
        missing=_("Ange avslutsdatum."),
        too_early=_("Avslutsdatumet kan inte vara före startdatumet %(date)s."),
        future=_("Avslutsdatumet kan inte ligga i framtiden."),
        today=today,
    )
    if date_error:
        errors["closed_on"] = date_error
    if reason not in ClosureReason.values:
        errors["reason"] = _("Välj avslutsorsak.")
    elif reason == ClosureReason.OTHER:
        if result:
            errors["result"] = _(
                "Ett avslut av övriga skäl har inget resultat. Välj arbete eller studier "
                "som orsak, eller lämna resultatet tomt."
            )
        if other_reason not in OtherClosureReason.values:
            errors["other_reason"] = _("Välj vilket övrigt skäl.")
        elif other_reason == OtherClosureReason.OTHER and not note.strip():
            errors["note"] = _("Beskriv skälet i kommentaren.")
    else:
        if other_reason:
            errors["other_reason"] = _("Övrigt skäl anges bara vid avslut av övriga skäl.")
        if not result:
            errors["result"] = _("Välj resultat för avslut till arbete eller studier.")
        elif result not in RESULTS_FOR_REASON[reason]:
            errors["result"] = _("Resultatet %(result)s passar inte avslutsorsaken %(reason)s.") % {
                "result": ClosureResult(result).label if result in ClosureResult.values else result,
                "reason": ClosureReason(reason).label,
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def participant_close(
    *,
    actor: User,
    participant: Participant,
    closed_on: datetime.date,
    reason: str,
    result: str = "",
    other_reason: str = "",
    note: str = "",
    employment_status: str,
    income_source: str,
) -> Closure:
    """Close a participation: the responsible staff member (or whoever may
    change the case) records date, reason and result and the status at the
    end.

    In one transaction: the closure record, the participant's status, end
    date, reason and result, the status snapshot at the end, the closure
    flags to Ekonomiskt bistånd, JobbCentrum and Arbetsförmedlingen, the
    case's open tasks marked done, and a follow-up task one month later for
    a closure because of work or studies. A flag that no valid consent
    allows is not sent: the closure records the organisation in
    ``flags_missing``, the responsible gets a notification, and the staff
    member sends the flag from the closure page once consent exists. The
    apps above are told through ``participation_closed`` (the referral app
    notifies the referring counsellor).
    """
    participant_require_change(actor, participant)
    locked = _lock(participant)
    if not locked.is_active:
        raise ValidationError(_("Deltagandet är redan avslutat."))
    note = (note or "").strip()
    closure_validate(
        participant=locked,
        closed_on=closed_on,
        reason=reason,
        result=result or "",
        other_reason=other_reason or "",
        note=note,
        today=timezone.localdate(),
    )
    _snapshot_validate(employment_status, income_source)

    closure = Closure(
        participant=locked,
        closed_on=closed_on,
        reason=reason,
        result=result or "",
        other_reason=other_reason or "",
        note=note,
        employment_status=employment_status,
        income_source=income_source,
        closed_by=actor,
    )
    closure.full_clean()
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError as exc:
        raise ValidationError(_("Deltagandet är redan avslutat.")) from exc

    locked.status = Participant.Status.CLOSED
    locked.end_date = closed_on
    locked.closure_reason = reason
    locked.closure_result = result or ""
    locked.full_clean(validate_constraints=False)
    locked.save(
        update_fields=["status", "end_date", "closure_reason", "closure_result", "updated_at"]
    )
    _snapshot_put(
        actor=actor,
        participant=locked,
        moment=StatusSnapshot.Moment.END,
        employment_status=employment_status,
        income_source=income_source,
    )
    # What was left to do in the case is moot once it is closed.
    Task.objects.filter(participant=locked, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=actor
    )
    audit_log(actor=actor, action=Action.CREATE, obj=closure, detail=f"avslut {reason}")

    _closure_flags_send(actor=actor, closure=closure, participant=locked)

    if closure.leads_to_follow_up:
        closure.follow_up_task = task_create(
            assignee=locked.responsible or actor,
            kind=Task.Kind.FOLLOW_UP,
            participant=locked,
            due_on=add_months(closed_on, FOLLOW_UP_AFTER_MONTHS),
        )
        closure.save(update_fields=["follow_up_task"])

    participation_closed.send(sender=Closure, closure=closure, participant=locked)
    # The caller's object follows the stored row.
    for field in ("status", "end_date", "closure_reason", "closure_result"):
        setattr(participant, field, getattr(locked, field))
    return closure


def _closure_flag_reason(closure: Closure) -> str:
    reason = closure.get_reason_display()
    if closure.result:
        outcome = closure.get_result_display()
    else:
        outcome = closure.get_other_reason_display()
    return _("Avslut i Rätt insats %(date)s. Orsak: %(reason)s (%(outcome)s).") % {
        "date": closure.closed_on.isoformat(),
        "reason": reason,
        "outcome": outcome,
    }


def _closure_flags_send(*, actor: User, closure: Closure, participant: Participant) -> None:
    """Flag the closure to the three organisations, noting those that no
    valid consent covers instead of failing the closure."""
    organisations = {o.kind: o for o in Organisation.objects.all()}
    reason = _closure_flag_reason(closure)
    missing = []
    for kind in CLOSURE_FLAG_ORGANISATIONS:
        organisation = organisations.get(kind)
        if organisation is None:
            continue
        try:
            flag = flag_create(
                actor=actor,
                participant=participant,
                organisation=organisation,
                reason=reason,
                kind=Flag.Kind.CLOSURE,
            )
        except ConsentMissing:
            missing.append(organisation)
        else:
            closure.flags.add(flag)
    if missing:
        closure.flags_missing.add(*missing)
        url = _closure_url(participant)
        for organisation in missing:
            notification_send(
                [participant.responsible or actor],
                _("Ett avslut kunde inte flaggas till %(org)s eftersom giltigt samtycke saknas.")
                % {"org": organisation.name},
                url,
                mail=False,
            )


def _closure_url(participant: Participant) -> str:
    return reverse("closure:tab", args=[participant.pk])


@transaction.atomic
def closure_flag_send(*, actor: User, closure: Closure, organisation: Organisation) -> Flag:
    """Send a closure flag that could not be sent at the closure, now that a
    consent covers the organisation. Raises ``ConsentMissing`` while none
    does."""
    participant_require_change(actor, closure.participant)
    if not closure.is_current:
        raise ValidationError(_("Avslutet är ångrat."))
    if not closure.flags_missing.filter(pk=organisation.pk).exists():
        raise ValidationError(_("Avslutet är redan flaggat till %(org)s.") % {"org": organisation})
    flag = flag_create(
        actor=actor,
        participant=closure.participant,
        organisation=organisation,
        reason=_closure_flag_reason(closure),
        kind=Flag.Kind.CLOSURE,
    )
    closure.flags.add(flag)
    closure.flags_missing.remove(organisation)
    return flag


# --- Reopening a closure registered by mistake ------------------------------


@transaction.atomic
def closure_reopen(*, actor: User, participant: Participant, reason: str) -> Closure:
    """Undo a closure registered by mistake. The closure stays in the history
    marked as reopened, the participant is active again, the end snapshot
    and the open follow-up task go, the closure flags not yet sent are
    withdrawn, and the organisations that were sent one are told the
    closure is undone (where consent still allows)."""
    participant_require_change(actor, participant)
    locked = _lock(participant)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ange varför avslutet ångras.")})
    closure = (
        Closure.objects.select_for_update()
        .filter(participant=locked, reopened_at__isnull=True)
        .first()
    )
    if locked.is_active or closure is None:
        raise ValidationError(_("Deltagandet är inte avslutat."))
    if (
        Participant.objects.filter(
            personnummer=locked.personnummer, status=Participant.Status.ACTIVE
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(
            _("Personen har ett nytt pågående deltagande, så avslutet kan inte ångras.")
        )
    now = timezone.now()
    closure.reopened_at = now
    closure.reopened_by = actor
    closure.reopen_reason = reason
    closure.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])

    locked.status = Participant.Status.ACTIVE
    locked.end_date = None
    locked.closure_reason = ""
    locked.closure_result = ""
    try:
        with transaction.atomic():
            locked.save(
                update_fields=[
                    "status",
                    "end_date",
                    "closure_reason",
                    "closure_result",
                    "updated_at",
                ]
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("Personen har ett nytt pågående deltagande, så avslutet kan inte ångras.")
        ) from exc
    StatusSnapshot.objects.filter(participant=locked, moment=StatusSnapshot.Moment.END).delete()
    if closure.follow_up_task_id:
        Task.objects.filter(pk=closure.follow_up_task_id, done_at__isnull=True).update(
            done_at=now, done_by=actor
        )
    audit_log(actor=actor, action=Action.CHANGE, obj=closure, detail="avslut ångrat")

    _closure_flags_undo(actor=actor, closure=closure, participant=locked)
    for field in ("status", "end_date", "closure_reason", "closure_result"):
        setattr(participant, field, getattr(locked, field))
    return closure


def _closure_flags_undo(*, actor: User, closure: Closure, participant: Participant) -> None:
    """The closure's flags after it is undone: one not yet sent is withdrawn
    (it stays in the history, and nobody is asked to send news of a closure
    that no longer holds); an organisation that was sent one, acknowledged
    or not, gets a new flag saying the closure is undone, where consent
    still allows."""
    date = closure.closed_on.isoformat()
    withdrawn = _("Avslutet %(date)s är ångrat, så avslutsflaggan ska inte skickas.") % {
        "date": date
    }
    undo = _("Avslutet %(date)s är ångrat (registrerat av misstag). Deltagandet fortsätter.") % {
        "date": date
    }
    # Locked, so that no flag is marked sent between the look and the move.
    flags = closure.flags.select_for_update(of=("self",)).select_related(
        "organisation", "participant"
    )
    for flag in flags.order_by("id"):
        if flag.status == Flag.Status.OPEN:
            flag_withdraw(actor=actor, flag=flag, reason=withdrawn)
        elif flag.status in (Flag.Status.SENT, Flag.Status.DONE):
            try:
                flag_create(
                    actor=actor,
                    participant=participant,
                    organisation=flag.organisation,
                    reason=undo,
                    kind=Flag.Kind.CLOSURE_UNDONE,
                )
            except ConsentMissing:
                logger.info("closure %s: undo not flagged for want of consent", closure.pk)


# --- Follow-up ----------------------------------------------------------------

# The follow-up is made one month after the closure (domain.md §4 step 7),
# when the person has had time to start the job or the studies and can say
# whether they work and support them. It may be recorded from two weeks
# after the closure, to leave room for a person who can only be reached a
# little early, but never on the day of the closure or just after, when
# nothing about the job or studies can be known yet.
FOLLOW_UP_EARLIEST_DAYS = 14


def follow_up_earliest(closure: Closure) -> datetime.date:
    """The first day the follow-up of ``closure`` may be recorded."""
    return closure.closed_on + datetime.timedelta(days=FOLLOW_UP_EARLIEST_DAYS)


def extended_support_latest(closure: Closure) -> datetime.date:
    """The last day extended support may run: three months from the closure."""
    return add_months(closure.closed_on, EXTENDED_SUPPORT_MONTHS)


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    closure: Closure,
    followed_up_on: datetime.date,
    reached: bool,
    self_supporting: bool | None = None,
    working: bool | None = None,
    extended_support: bool = False,
    extended_support_until: datetime.date | None = None,
    note: str = "",
) -> FollowUp:
    """Record the follow-up of a closure because of work or studies; this
    completes the follow-up task. Staff who may change the case."""
    participant = closure.participant
    participant_require_change(actor, participant)
    closure = Closure.objects.select_for_update().get(pk=closure.pk)
    if not closure.is_current:
        raise ValidationError(_("Avslutet är ångrat och följs inte upp."))
    if not closure.leads_to_follow_up:
        raise ValidationError(_("Bara avslut till arbete eller studier följs upp."))
    if FollowUp.objects.filter(closure=closure).exists():
        raise ValidationError(_("Uppföljningen är redan registrerad."))
    errors: dict[str, str] = {}
    date_error = _day_error(
        followed_up_on,
        earliest=follow_up_earliest(closure),
        missing=_("Ange datum för uppföljningen."),
        too_early=_(
            "Uppföljningen görs en månad efter avslutet och kan registreras tidigast "
            "%(date)s, två veckor efter avslutet."
        ),
        future=_("Uppföljningsdatumet kan inte ligga i framtiden."),
        today=timezone.localdate(),
    )
    if date_error:
        errors["followed_up_on"] = date_error
    if reached:
        if self_supporting is None:
            errors["self_supporting"] = _("Ange om personen har egen försörjning.")
        if working is None:
            errors["working"] = _("Ange om arbetet eller studierna fungerar.")
    else:
        # What was not asked is not known.
        self_supporting = working = None
    if extended_support:
        latest = extended_support_latest(closure)
        if extended_support_until is None:
            errors["extended_support_until"] = _("Ange till när det förlängda stödet ges.")
        elif extended_support_until > latest:
            errors["extended_support_until"] = _(
                "Förlängt stöd ges högst tre månader efter avslutet, alltså till och med "
                "%(latest)s."
            ) % {"latest": latest.isoformat()}
        elif extended_support_until < closure.closed_on:
            errors["extended_support_until"] = _(
                "Det förlängda stödet kan inte sluta före avslutet."
            )
    else:
        extended_support_until = None
    if errors:
        raise ValidationError(errors)
    follow_up = FollowUp(
        closure=closure,
        followed_up_on=followed_up_on,
        reached=reached,
        self_supporting=self_supporting,
        working=working,
        extended_support=extended_support,
        extended_support_until=extended_support_until,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    follow_up.full_clean()
    follow_up.save()
    if closure.follow_up_task_id:
        Task.objects.filter(pk=closure.follow_up_task_id, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor
        )
    audit_log(actor=actor, action=Action.CREATE, obj=follow_up, participant_id=participant.pk)
    return follow_up


# --- Labour-market training -------------------------------------------------


@transaction.atomic
def labour_market_training_record(
    *,
    actor: User,
    participant: Participant,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> LabourMarketTraining:
    """Record a labour-market training via the AF. It is not a closure: the
    participation and the support continue."""
    participant_require_change(actor, participant)
    if not participant.is_active:
        raise ValidationError(_("Deltagandet är avslutat."))
    errors = {}
    if starts_on < participant.start_date:
        errors["starts_on"] = _("Utbildningen kan inte börja före deltagandets start.")
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("Slutdatumet kan inte vara före startdatumet.")
    if errors:
        raise ValidationError(errors)
    training = LabourMarketTraining(
        participant=participant,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    training.full_clean()
    training.save()
    audit_log(actor=actor, action=Action.CREATE, obj=training)
    return training


# --- Summary document -------------------------------------------------------


def summary_context(participant: Participant, *, text: str, version: int | None, author) -> dict:
    """Everything the summary document shows, read from the record."""
    closure = (
        Closure.objects.filter(participant=participant, reopened_at__isnull=True)
        .select_related("closed_by")
        .first()
    )
    follow_up = FollowUp.objects.filter(closure=closure).first() if closure else None
    snapshots = {s.moment: s for s in StatusSnapshot.objects.filter(participant=participant)}
    trainings = list(participant.labour_market_trainings.all())
    return {
        "participant": participant,
        "responsible": participant.responsible,
        "last_period": period_of(
            participant.start_date, participant.end_date or timezone.localdate()
        ),
        "closure": closure,
        "follow_up": follow_up,
        "goals": goals_for(participant),
        "moves": moves_for(participant),
        "interventions": interventions_for(participant),
        "trainings": trainings,
        "status_start": snapshots.get(StatusSnapshot.Moment.START),
        "status_end": snapshots.get(StatusSnapshot.Moment.END),
        "text": text,
        "version": version,
        "author": author,
        "created": timezone.localtime(),
    }


def summary_pdf_render(context: dict) -> bytes:
    """The summary document as an A4 PDF, tagged (PDF/UA) so that screen
    readers can read it."""
    return pdf_render("closure/closure_summary_pdf.html", context)


def summary_preview(*, actor: User, participant: Participant, text: str) -> bytes:
    """A draft of the summary document, not stored. Logged as an export."""
    participant_require_change(actor, participant)
    pdf = summary_pdf_render(summary_context(participant, text=text, version=None, author=actor))
    audit_log(actor=actor, action=Action.EXPORT, obj=participant, detail="sammanfattning utkast")
    return pdf


@transaction.atomic
def summary_finalise(*, actor: User, participant: Participant, text: str) -> SummaryDocument:
    """Finalise the summary document of a closed participation: the PDF is
    rendered once and kept unchanged as the next version."""
    participant_require_change(actor, participant)
    locked = _lock(participant)
    if locked.is_active:
        raise ValidationError(
            _("Den sammanfattande dokumentationen skrivs när deltagandet avslutas.")
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Skriv en sammanfattning.")})
    closure = Closure.objects.filter(participant=locked, reopened_at__isnull=True).first()
    last = SummaryDocument.objects.filter(participant=locked).aggregate(v=Max("version"))["v"]
    version = (last or 0) + 1
    pdf = summary_pdf_render(summary_context(locked, text=text, version=version, author=actor))
    document = SummaryDocument(
        participant=locked,
        closure=closure,
        version=version,
        text=text,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor,
    )
    document.full_clean()
    document.save()
    audit_log(actor=actor, action=Action.CREATE, obj=document, detail=f"version {version}")
    return document


def summary_download(*, actor: User, document: SummaryDocument) -> bytes:
    """The stored PDF of one version, for whoever may see the case. Logged
    as an export."""
    if not participants_visible_to(actor).filter(pk=document.participant_id).exists():
        raise PermissionDenied
    audit_log(actor=actor, action=Action.EXPORT, obj=document, detail=f"version {document.version}")
    return bytes(document.pdf)


# --- Reads for the closure tab ----------------------------------------------


def closures_for(participant: Participant) -> list[Closure]:
    """The participant's closures, the current first, with who did what,
    their follow-ups and flags."""
    return list(
        Closure.objects.filter(participant=participant)
        .select_related(
            "closed_by", "reopened_by", "follow_up", "follow_up__recorded_by", "follow_up_task"
        )
        .prefetch_related(
            "flags_missing", Prefetch("flags", queryset=Flag.objects.select_related("organisation"))
        )
        .order_by("reopened_at", "-closed_at", "-id")
    )


def summaries_for(participant: Participant) -> list[SummaryDocument]:
    """The finalised versions, newest first, without their PDF bytes."""
    return list(
        SummaryDocument.objects.filter(participant=participant)
        .defer("pdf")
        .select_related("created_by")
    )


def status_snapshots_for(participant: Participant) -> dict[str, StatusSnapshot]:
    return {
        s.moment: s
        for s in StatusSnapshot.objects.filter(participant=participant).select_related(
            "recorded_by"
        )
    }
