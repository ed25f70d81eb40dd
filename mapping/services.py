"""Every write to the mapping document, the goal document and the stepwise
moves.

The public services check the actor's right on the participant, write in
one transaction, keep a revision (who, what, when) and log one audit event.
The workbook import reuses the private writers below after it has
checked the whole workbook itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.periods import PERIOD_COUNT, PERIODS_WITHOUT_REASON, period_bounds, period_label
from participants.selectors import participant_require_change
from rattinsats.audit import Action, audit_log, audit_log_many
from rattinsats.bulk import insert_rows
from rattinsats.models import User

from .models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    MoveCategory,
    StepwiseMove,
)


class StaleVersion(ValidationError):
    """Someone else saved the document after the form was opened."""

    def __init__(self, message, *, current):
        super().__init__(message)
        self.current = current


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def snapshot(document, fields=None) -> dict:
    """The document's content as JSON-friendly values."""
    return {name: _plain(getattr(document, name)) for name in fields or document.CONTENT_FIELDS}


def _stale_message(what: str, document) -> str:
    who = document.updated_by or _("någon annan")
    when = (
        date_format(timezone.localtime(document.updated_at), "Y-m-d H:i")
        if document.updated_at
        else ""
    )
    return _(
        "%(what)s har ändrats av %(who)s %(when)s sedan du öppnade sidan. Ingenting är "
        "sparat och ingenting har skrivits över. Det du skrev finns kvar i formuläret: "
        "jämför med den sparade versionen och spara igen om du vill ersätta den."
    ) % {"what": what, "who": who, "when": when}


def _versioned_save(
    *, model, actor: User, participant: Participant, version: int, fields: dict, what: str
):
    """Save ``fields`` on the participant's document if nobody has saved it
    since ``version`` was read. The version check is one conditional
    UPDATE, so two concurrent saves cannot both pass it."""
    unknown = set(fields) - set(model.CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    document, _created = model.objects.get_or_create(participant=participant)
    before = snapshot(document)
    for name, value in fields.items():
        setattr(document, name, value)
    document.full_clean(exclude=["participant"], validate_unique=False)
    after = snapshot(document)
    changed = [name for name in model.CONTENT_FIELDS if before[name] != after[name]]
    if not changed:
        # The stored content is already what was asked for, whichever
        # version it was read at: nothing to write, nothing to refuse.
        return document, after, changed
    now = timezone.now()
    updated = model.objects.filter(pk=document.pk, version=version).update(
        **{name: getattr(document, name) for name in model.CONTENT_FIELDS},
        version=version + 1,
        updated_by=actor,
        updated_at=now,
    )
    if not updated:
        current = model.objects.select_related("updated_by").get(pk=document.pk)
        raise StaleVersion(_stale_message(what, current), current=current)
    document.version = version + 1
    document.updated_by = actor
    document.updated_at = now
    return document, after, changed


@transaction.atomic
def mapping_document_save(
    *, actor: User, participant: Participant, version: int, **fields
) -> MappingDocument:
    """Save the mapping document after a mapping meeting. The responsible
    staff member, or whoever the case is shared with, may call it.

    Refused with ``StaleVersion`` when someone else saved after ``version``
    was read. When the goal document has no goal and no sub-goals yet, the
    mapping's goal and sub-goals are carried over to it."""
    participant_require_change(actor, participant)
    document, data, changed = _versioned_save(
        model=MappingDocument,
        actor=actor,
        participant=participant,
        version=version,
        fields=fields,
        what=_("Kartläggningsdokumentet"),
    )
    if not changed:
        return document
    MappingDocumentRevision.objects.create(
        document=document,
        version=document.version,
        data=data,
        changed_fields=changed,
        changed_by=actor,
        changed_at=document.updated_at,
    )
    _goal_document_seed_from_mapping(actor=actor, participant=participant, mapping=document)
    audit_log(actor=actor, action=Action.CHANGE, obj=document, detail="kartläggning")
    return document


def _goal_document_seed_from_mapping(*, actor, participant, mapping: MappingDocument) -> None:
    carried = {
        name: getattr(mapping, name) for name in ("goal", "delmal_1", "delmal_2", "delmal_3")
    }
    if not any(value.strip() for value in carried.values()):
        return
    goal_document, _created = GoalDocument.objects.select_for_update().get_or_create(
        participant=participant
    )
    if any(getattr(goal_document, name).strip() for name in carried):
        return
    for n in (1, 2, 3):
        if carried[f"delmal_{n}"].strip():
            carried[f"delmal_{n}_status"] = "pagaende"
    _goal_document_revise(
        actor=actor, participant=participant, version=goal_document.version, fields=carried
    )


def _goal_document_revise(
    *, actor: User, participant: Participant, version: int, fields: dict
) -> tuple[GoalDocument, list[str]]:
    """Save ``fields`` on the goal document (:func:`_versioned_save`) and
    keep the save as a revision when anything changed. Returns the document
    and the names of the fields that changed."""
    document, data, changed = _versioned_save(
        model=GoalDocument,
        actor=actor,
        participant=participant,
        version=version,
        fields=fields,
        what=_("Måldokumentet"),
    )
    if changed:
        GoalDocumentRevision.objects.create(
            participant=participant,
            kind=GoalDocumentRevision.Kind.DOCUMENT,
            version=document.version,
            data=data,
            changed_fields=changed,
            changed_by=actor,
            changed_at=document.updated_at,
        )
    return document, changed


@transaction.atomic
def goal_document_save(
    *, actor: User, participant: Participant, version: int, **fields
) -> GoalDocument:
    """Revise the goal document (goal, sub-goals and their status,
    employment subsidy, consent renewal date, reason for continuing,
    other). The responsible staff member, or whoever the case is shared
    with, may call it. Every save is kept as a revision.

    Refused with ``StaleVersion`` when someone else saved after ``version``
    was read: nothing is overwritten."""
    participant_require_change(actor, participant)
    document, changed = _goal_document_revise(
        actor=actor, participant=participant, version=version, fields=fields
    )
    if changed:
        audit_log(actor=actor, action=Action.CHANGE, obj=document, detail="måldokument")
    return document


def move_problem(
    *,
    start_date: datetime.date,
    end_date: datetime.date | None,
    period: int,
    today: datetime.date,
    continuation_reason: str,
    reason_required: bool = True,
) -> str | None:
    """Why a move may not be recorded for ``period``, or None. One rule for
    the page and the workbook import. ``reason_required``: periods after
    month 12 need a written reason for continuing (not for moves recorded
    as history, whose reason was written elsewhere)."""
    if not 1 <= period <= PERIOD_COUNT:
        return _("Perioden måste vara 1–%(n)s.") % {"n": PERIOD_COUNT}
    first, _last = period_bounds(start_date, period)
    label = period_label(period)
    if end_date is not None and first > end_date:
        return _("%(period)s börjar %(first)s, efter slutdatumet %(end)s.") % {
            "period": label,
            "first": first.isoformat(),
            "end": end_date.isoformat(),
        }
    if first > today:
        return _("%(period)s har inte börjat än (börjar %(first)s).") % {
            "period": label,
            "first": first.isoformat(),
        }
    if reason_required and period > PERIODS_WITHOUT_REASON and not continuation_reason.strip():
        return _(
            "En motivering till fortsättning krävs innan en förflyttning registreras "
            "efter månad 12."
        )
    return None


def _move_write(
    *, actor: User | None, participant: Participant, period: int, category, note: str
) -> tuple[StepwiseMove, bool]:
    first, last = period_bounds(participant.start_date, period)
    move = (
        StepwiseMove.objects.select_for_update()
        .filter(participant=participant, period=period)
        .first()
    )
    created = move is None
    if move is None:
        move = StepwiseMove(participant=participant, period=period)
    move.period_start = first
    move.period_end = last
    move.category = category
    move.note = note.strip()
    move.recorded_by = actor
    move.recorded_at = timezone.now()
    move.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            move.save()
    except IntegrityError as exc:
        # Someone recorded the same period at the same moment.
        raise ValidationError(
            {"period": _("En förflyttning registrerades nyss för perioden. Ladda om sidan.")}
        ) from exc
    GoalDocumentRevision.objects.create(
        participant=participant,
        kind=GoalDocumentRevision.Kind.MOVE,
        period=period,
        data={"period": period, "category": category.name, "note": move.note},
        changed_fields=["category", "note"],
        changed_by=actor,
        changed_at=move.recorded_at,
    )
    return move, created


@transaction.atomic
def move_record(
    *,
    actor: User,
    participant: Participant,
    period: int,
    category: MoveCategory,
    note: str = "",
) -> StepwiseMove:
    """Record the stepwise move of one three-month period (or replace the
    one recorded before; the change is kept in the history). The
    responsible staff member, or whoever the case is shared with, may call
    it. The period must have begun, must not begin after the end date, and
    periods after month 12 need a reason for continuing in the goal
    document."""
    participant_require_change(actor, participant)
    if not category.active:
        raise ValidationError({"category": _("Kategorin används inte längre.")})
    reason = (
        GoalDocument.objects.filter(participant=participant)
        .values_list("continuation_reason", flat=True)
        .first()
    )
    problem = move_problem(
        start_date=participant.start_date,
        end_date=participant.end_date,
        period=period,
        today=timezone.localdate(),
        continuation_reason=reason or "",
    )
    if problem:
        raise ValidationError({"period": problem})
    move, created = _move_write(
        actor=actor, participant=participant, period=period, category=category, note=note
    )
    audit_log(
        actor=actor,
        action=Action.CREATE if created else Action.CHANGE,
        obj=move,
        detail=f"period {period}",
    )
    return move


def _require_import_actor(actor) -> None:
    if not (actor.is_authenticated and (actor.is_casework or actor.is_administrator)):
        raise PermissionDenied


def _moves_history_write(
    *, actor: User, participant: Participant, moves: dict[int, MoveCategory]
) -> None:
    today = timezone.localdate()
    for period, category in sorted(moves.items()):
        problem = move_problem(
            start_date=participant.start_date,
            end_date=participant.end_date,
            period=period,
            today=today,
            continuation_reason="",
            reason_required=False,
        )
        if problem:
            raise ValidationError({"period": problem})
        _move_write(actor=actor, participant=participant, period=period, category=category, note="")


@transaction.atomic
def moves_record_history(
    *, actor: User, participant: Participant, moves: dict[int, MoveCategory]
) -> None:
    """Record stepwise moves made before the record came into the app (the
    demo data): each period must have begun within the participation.
    Project staff and administrators; one audit event for the lot."""
    _require_import_actor(actor)
    _moves_history_write(actor=actor, participant=participant, moves=moves)
    audit_log(actor=actor, action=Action.IMPORT, obj=participant, detail="förflyttningar")


@transaction.atomic
def goal_document_import_write(
    *, actor: User, participant: Participant, fields: dict, moves: dict[int, MoveCategory]
) -> GoalDocument:
    """Write an imported row's goal document and moves, with the row's
    audit event. Only for the workbook import, which has checked the row
    itself; the participant was created by the same import."""
    _require_import_actor(actor)
    document = GoalDocument(participant=participant, **fields)
    if any(snapshot(document).values()):
        document.version = 1
        document.updated_by = actor
        document.updated_at = timezone.now()
        document.full_clean()
        document.save()
        GoalDocumentRevision.objects.create(
            participant=participant,
            kind=GoalDocumentRevision.Kind.DOCUMENT,
            version=1,
            data=snapshot(document),
            changed_fields=[name for name, value in snapshot(document).items() if value],
            changed_by=actor,
            changed_at=document.updated_at,
        )
    _moves_history_write(actor=actor, participant=participant, moves=moves)
    audit_log(actor=actor, action=Action.IMPORT, obj=participant, detail="måldokument")
    return document


@dataclass
class ImportedGoalDocument:
    """An imported row's goal document (its content, every field of
    ``GoalDocument.CONTENT_FIELDS``; None when the row has none) and moves
    (period, category), checked by :func:`goal_document_import_prepare`,
    not saved."""

    participant: Participant
    content: dict | None
    moves: list[tuple[int, MoveCategory]]
    updated_at: datetime.datetime | None = None


# Each content field's default, for a row that leaves it out.
_CONTENT_FIELDS: dict[str, Any] = {
    name: GoalDocument._meta.get_field(name) for name in GoalDocument.CONTENT_FIELDS
}
_CONTENT_DEFAULTS = {name: field.get_default() for name, field in _CONTENT_FIELDS.items()}


def goal_document_import_prepare(
    *,
    actor: User,
    participant: Participant,
    fields: dict,
    moves: dict[int, MoveCategory],
    today: datetime.date | None = None,
) -> ImportedGoalDocument:
    """Check an imported row's goal document and moves with the rules of
    :func:`goal_document_import_write` (the same messages: each field
    cleaned as ``full_clean`` cleans it, each move asked of
    :func:`move_problem`), without saving: :func:`goal_documents_import_bulk`
    saves a batch of them. ``participant`` may be unsaved still (it is
    saved in the same batch). A move's dates, note and author are computed,
    not typed. ``today`` is the import's date (the local date when not
    given), against which a move's period is checked."""
    _require_import_actor(actor)
    unknown = set(fields) - set(GoalDocument.CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    content: dict | None = {**_CONTENT_DEFAULTS, **fields}
    if content is not None and any(_plain(value) for value in content.values()):
        errors: dict[str, list[str]] = {}
        for name, value in fields.items():
            try:
                content[name] = _CONTENT_FIELDS[name].clean(value, None)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)
    else:
        content = None
    today = today or timezone.localdate()
    checked = sorted(moves.items())
    for period, _category in checked:
        problem = move_problem(
            start_date=participant.start_date,
            end_date=participant.end_date,
            period=period,
            today=today,
            continuation_reason="",
            reason_required=False,
        )
        if problem:
            raise ValidationError({"period": problem})
    return ImportedGoalDocument(
        participant=participant,
        content=content,
        moves=checked,
        updated_at=timezone.now() if content is not None else None,
    )


def goal_documents_import_bulk(*, actor: User, documents: list[ImportedGoalDocument]) -> None:
    """Save a batch of goal documents and moves checked by
    :func:`goal_document_import_prepare` (their participants saved first),
    with the revisions and the audit trail that
    :func:`goal_document_import_write` writes row by row: a revision per
    document and per move, one *import* event per participant. In bulk
    (``rattinsats.bulk``): a fixed number of statements whatever the
    number of rows. Call it inside the import's transaction."""
    _require_import_actor(actor)
    now = timezone.now()
    saved = [d for d in documents if d.content is not None]
    insert_rows(
        GoalDocument,
        ["participant", *GoalDocument.CONTENT_FIELDS, "version", "updated_by", "updated_at"],
        (
            (d.participant.pk, *d.content.values(), 1, actor.pk, d.updated_at)
            for d in saved
            if d.content is not None
        ),
    )
    insert_rows(
        StepwiseMove,
        [
            "participant",
            "period",
            "period_start",
            "period_end",
            "category",
            "note",
            "recorded_by",
            "recorded_at",
        ],
        (
            (d.participant.pk, period, *period_bounds(d.participant.start_date, period))
            + (category.pk, "", actor.pk, now)
            for d in documents
            for period, category in d.moves
        ),
    )
    revision_fields = [
        "participant",
        "kind",
        "version",
        "period",
        "data",
        "changed_fields",
        "changed_by",
        "changed_at",
    ]
    revisions: list[tuple] = []
    for d in saved:
        data = {name: _plain(value) for name, value in (d.content or {}).items()}
        revisions.append(
            (
                d.participant.pk,
                GoalDocumentRevision.Kind.DOCUMENT,
                1,
                None,
                data,
                [name for name, value in data.items() if value],
                actor.pk,
                d.updated_at,
            )
        )
    # A move's revision holds the period and the category only: one value
    # per pair, shared by the rows (encoded once).
    move_data: dict[tuple[int, int], dict] = {}
    changed = ["category", "note"]
    for d in documents:
        for period, category in d.moves:
            shared = move_data.get((period, category.pk))
            if shared is None:
                shared = move_data[period, category.pk] = {
                    "period": period,
                    "category": category.name,
                    "note": "",
                }
            revisions.append(
                (
                    d.participant.pk,
                    GoalDocumentRevision.Kind.MOVE,
                    None,
                    period,
                    shared,
                    changed,
                    actor.pk,
                    now,
                )
            )
    insert_rows(GoalDocumentRevision, revision_fields, revisions)
    audit_log_many(
        actor=actor,
        action=Action.IMPORT,
        objects=[d.participant for d in documents],
        detail="måldokument",
    )
