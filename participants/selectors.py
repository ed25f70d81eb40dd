"""Reads of participants, always limited to what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from rattinsats.audit import Action, audit_log
from rattinsats.personnummer import InvalidPersonnummer, parse

from .models import Consent, Participant, Task

VIEW_PERMISSION = "participants.view_participant"
CHANGE_PERMISSION = "participants.change_participant"


def participants_visible_to(user) -> QuerySet[Participant]:
    """The participants ``user`` may see: those they are responsible for or
    that were shared with them. Only the project team ever sees any."""
    if not user.is_authenticated or not user.is_casework:
        return Participant.objects.none()
    return get_objects_for_user(
        user,
        VIEW_PERMISSION,
        klass=Participant,
        accept_global_perms=False,
        with_superuser=False,
    )


def _may_view(user) -> Q:
    """The same rule as :func:`participants_visible_to` for one row, as
    correlated EXISTS on the permission tables' (user, permission, object)
    index: its cost does not grow with the number of participants the user
    may see, where guardian's ``pk IN (all the user's objects)`` does."""
    if not user.is_authenticated or not user.is_casework:
        return Q(pk__in=[])
    app_label, codename = VIEW_PERMISSION.split(".")
    permission = {
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
        "permission__content_type__model": "participant",
        "object_pk": Cast(OuterRef("pk"), CharField()),
    }
    return Q(Exists(UserObjectPermission.objects.filter(user=user, **permission))) | Q(
        Exists(GroupObjectPermission.objects.filter(group__user=user, **permission))
    )


def participant_get_for_user(user, pk, *, action: str | None = Action.VIEW) -> Participant:
    """Fetch one participant for ``user`` or answer 404.

    Writes the audit event: ``action`` (a read by default) when found, a
    denied access otherwise. Pass ``action=None`` when the caller's service
    logs the event itself.
    """
    participant = (
        Participant.objects.filter(_may_view(user), pk=pk)
        .select_related("responsible", "referring_organisation")
        .first()
    )
    if participant is None:
        audit_log(
            actor=user,
            action=Action.DENIED,
            object_type="participants.participant",
            object_id=pk,
            participant_id=pk if isinstance(pk, int) else None,
        )
        raise Http404
    if action:
        audit_log(actor=user, action=action, obj=participant)
    return participant


def user_can_change(user, participant: Participant) -> bool:
    """Whether ``user`` may write to ``participant``; an anonymised
    participation is read-only for everyone."""
    return (
        user.is_casework
        and not participant.is_anonymised
        and user.has_perm(CHANGE_PERMISSION, participant)
    )


def latest_consent_end() -> Subquery:
    """The end date of a participant's latest consent not withdrawn (None
    without one), for ``annotate`` on participants: one lookup per row on
    the consents' participant index."""
    return Subquery(
        Consent.objects.filter(participant=OuterRef("pk"), withdrawn_at__isnull=True)
        .order_by()
        .values("participant")
        .annotate(last=Max("valid_until"))
        .values("last")
    )


def participant_list(user, *, search: str = "") -> QuerySet[Participant]:
    """The list page's rows, with the latest consent's end date and whether
    a follow-up after the closure is still to be done annotated."""
    follow_up_open = Task.objects.filter(
        participant=OuterRef("pk"), kind=Task.Kind.FOLLOW_UP, done_at__isnull=True
    )
    qs = (
        participants_visible_to(user)
        .select_related("responsible")
        .annotate(
            consent_valid_until=latest_consent_end(),
            in_follow_up=Exists(follow_up_open),
        )
        .order_by("status", "last_name", "first_name", "id")
    )
    return participant_search(qs, search)


def participant_search(qs: QuerySet[Participant], term: str) -> QuerySet[Participant]:
    """Filter by name or personnummer (full, or the digits it starts with)."""
    term = (term or "").strip()
    if not term:
        return qs
    try:
        return qs.filter(personnummer=parse(term).canonical)
    except InvalidPersonnummer:
        pass
    digits = term.replace("-", "").replace("+", "")
    if digits.isdigit():
        if len(digits) in (6, 10):
            # YYMMDD…: match any century.
            return qs.filter(personnummer__regex=rf"^\d\d{digits}")
        return qs.filter(personnummer__startswith=digits)
    condition = Q()
    for word in term.split():
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return qs.filter(condition)


def consents_for(participant: Participant) -> list[Consent]:
    return list(
        participant.consents.select_related("recorded_by", "withdrawn_by").prefetch_related(
            "organisations"
        )
    )


def consent_current(consents: list[Consent], today: datetime.date) -> Consent | None:
    """The valid consent that lasts longest, from an already fetched list."""
    valid = [c for c in consents if c.is_valid_on(today)]
    return max(valid, key=lambda c: c.valid_until) if valid else None


def consent_covers(participant: Participant, organisation, today: datetime.date) -> bool:
    """Whether a valid consent lets the project share this person's data
    with ``organisation`` today."""
    return participant.consents.filter(
        withdrawn_at__isnull=True,
        signed_on__lte=today,
        valid_until__gte=today,
        organisations=organisation,
    ).exists()


def tasks_open_for(user) -> QuerySet[Task]:
    return (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("participant")
        .order_by("due_on", "created_at")
    )
