"""Reads of participants, always limited to what the user may see."""

from __future__ import annotations

import datetime
import functools
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, Max, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from rattinsats.audit import Action, audit_log
from rattinsats.compiled import compiled_first, compiled_objects, compiled_rows
from rattinsats.personnummer import InvalidPersonnummer, parse

from .models import Consent, ConsentText, Participant, Task
from .task_targets import task_target_related

M = TypeVar("M", bound=Model)

VIEW_PERMISSION = "participants.view_participant"
CHANGE_PERMISSION = "participants.change_participant"
_VIEW_CODENAME = VIEW_PERMISSION.split(".")[1]
_CHANGE_CODENAME = CHANGE_PERMISSION.split(".")[1]


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


# Up to this many participants a user may see, a page of them in some
# order is read from the permission rows (guardian's ``pk IN``, whose cost
# follows that number); beyond it, from the participants in the order's
# index, each row checked (:func:`_may_view`), whose cost follows the page.
FEW_VISIBLE = 2000


def _view_permission_filter() -> dict[str, str]:
    app_label, codename = VIEW_PERMISSION.split(".")
    return {
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
        "permission__content_type__model": "participant",
    }


# The view permission's id per database, kept by the process; forgotten
# whenever migrations run (``post_migrate``, which also follows a flush),
# the only time permissions are made again.
_VIEW_PERMISSION_IDS: dict[str, int] = {}


def forget_permission_ids(**_kwargs) -> None:
    _VIEW_PERMISSION_IDS.clear()


def _view_permission_id() -> int | None:
    """The view permission's id. Given to the queries below as a number,
    the planner knows how many rows it selects (through the joins it
    guessed a handful, and PostgreSQL then read every row)."""
    alias = Participant.objects.db
    if alias not in _VIEW_PERMISSION_IDS:
        app_label, codename = VIEW_PERMISSION.split(".")
        found = (
            Permission.objects.filter(
                codename=codename,
                content_type__app_label=app_label,
                content_type__model="participant",
            )
            .values_list("id", flat=True)
            .first()
        )
        if found is None:
            return None
        _VIEW_PERMISSION_IDS[alias] = found
    return _VIEW_PERMISSION_IDS[alias]


class VisibleForPages:
    """What :func:`participants_visible_for_pages` found: the ``rows``,
    whether they are ``few``, and when they are many, ``many``: the
    arguments of :func:`participants_may_view` (user, permission, whether
    their groups have any) that build them, for queries compiled once a
    process, which then need no queryset built here."""

    def __init__(self, few_rows: QuerySet[Participant] | None, many=None):
        self._few_rows = few_rows
        self.many: tuple[int, int, bool] | None = many

    @property
    def few(self) -> bool:
        return self.many is None

    @functools.cached_property
    def rows(self) -> QuerySet[Participant]:
        if self.many is not None:
            return participants_may_view(*self.many)
        assert self._few_rows is not None  # noqa: S101 - one or the other
        return self._few_rows


def participants_visible_for_pages(user) -> VisibleForPages:
    """The participants ``user`` may see, as :func:`participants_visible_to`,
    shaped for reading a page at a time in an indexed order (the
    goal-document overview), and whether they are few. Few (at most
    :data:`FEW_VISIBLE` through the user's own permissions, counted only
    that far): from the permission rows, the groups' included (guardian).
    Many: row by row along the index, each checked (:func:`_may_view`), so
    that a page costs the same whatever the number of participants."""
    if not user.is_authenticated or not user.is_casework:
        return VisibleForPages(Participant.objects.none())
    permission_id = _view_permission_id()
    if permission_id is None:
        return VisibleForPages(Participant.objects.none())
    # Whether the user's own permission rows go beyond FEW_VISIBLE (their
    # row after it, read along the index) and whether their groups have
    # any, in one query compiled once a process (rattinsats.compiled).
    ((beyond, groups),) = compiled_rows(
        ("visible-for-pages", FEW_VISIBLE), _visible_facts, user.pk, permission_id
    )
    if beyond is None:
        return VisibleForPages(participants_visible_to(user))
    return VisibleForPages(None, (user.pk, permission_id, bool(groups)))


def participants_may_view(user_pk: int, permission_id: int, groups: bool) -> QuerySet[Participant]:
    """The participants the casework user ``user_pk`` may see through the
    view permission ``permission_id``, each row checked (:func:`_may_view`);
    their groups' permissions only when ``groups`` (when they have any:
    one EXISTS, without an OR, PostgreSQL joins row by row along the
    index; with the OR it hashed every permission row of the user first)."""
    return Participant.objects.filter(_may_view_q(user_pk, permission_id, groups))


def _visible_facts(user_pk: int, permission_id: int) -> QuerySet:
    own = UserObjectPermission.objects.filter(user=OuterRef("pk"), permission_id=permission_id)
    groups = GroupObjectPermission.objects.filter(
        group__user=OuterRef("pk"), permission_id=permission_id
    )
    return (
        get_user_model()
        .objects.filter(pk=user_pk)
        .annotate(
            # The object's key, not the row's: it is in the (user,
            # permission, object) index, so the rows are counted along the
            # index alone (PostgreSQL otherwise visited all the user's rows).
            beyond=Subquery(own.order_by().values("object_pk")[FEW_VISIBLE : FEW_VISIBLE + 1]),
            groups_may_view=Exists(groups),
        )
        .values_list("beyond", "groups_may_view")
    )


def _may_view(user, *, permission_id: int | None = None, groups: bool = True) -> Q:
    """The same rule as :func:`participants_visible_to` for one row, as
    correlated EXISTS on the permission tables' (user, permission, object)
    index: its cost does not grow with the number of participants the user
    may see, where guardian's ``pk IN (all the user's objects)`` does.
    ``permission_id``: the view permission's, when known; ``groups=False``
    leaves out the groups' permissions (a user whose groups have none)."""
    if not user.is_authenticated or not user.is_casework:
        return Q(pk__in=[])
    return _may_view_q(user.pk, permission_id, groups)


def _may_view_q(user_pk: int, permission_id: int | None, groups: bool) -> Q:
    permission: dict = (
        {"permission_id": permission_id} if permission_id is not None else _view_permission_filter()
    )
    permission["object_pk"] = Cast(OuterRef("pk"), CharField())
    own = Q(Exists(UserObjectPermission.objects.filter(user=user_pk, **permission)))
    if not groups:
        return own
    return own | Q(Exists(GroupObjectPermission.objects.filter(group__user=user_pk, **permission)))


def participants_visible_filter(user) -> Q:
    """The rule of :func:`participants_visible_to` as a filter on
    participant rows (correlated EXISTS, see :func:`_may_view`): for
    questions about a few rows, such as whether any of a staff member's
    participants is visible, whose cost must not follow the caseload."""
    return _may_view(user)


def participant_get_for_user(user, pk, *, action: str | None = Action.VIEW) -> Participant:
    """Fetch one participant for ``user`` or answer 404.

    Writes the audit event: ``action`` (a read by default) when found, a
    denied access otherwise. Pass ``action=None`` when the caller's service
    logs the event itself.

    The same rule as :func:`participants_visible_to`, asked of the
    permission rows of this one participant (:func:`_codenames`, which the
    page's :func:`user_can_change` then reads again from the instance),
    and the participant read by its key: two small queries, where one with
    the permission tables' joins in EXISTS took PostgreSQL longer to plan
    than both take to run.
    """
    participant = None
    codenames: frozenset[str] = frozenset()
    if user.is_authenticated and user.is_casework and isinstance(pk, int):
        codenames = _codenames(user, pk)
        if _VIEW_CODENAME in codenames:
            participant = compiled_first("participant-page", _participant_query, pk)
    if participant is None:
        audit_log(
            actor=user,
            action=Action.DENIED,
            object_type="participants.participant",
            object_id=pk,
            participant_id=pk if isinstance(pk, int) else None,
        )
        raise Http404
    participant.__dict__["_codenames_of"] = (user.pk, codenames)
    if action:
        audit_log(actor=user, action=action, obj=participant)
    return participant


def _participant_query(pk: int) -> QuerySet[Participant]:
    return Participant.objects.filter(pk=pk).select_related("responsible", "referring_organisation")


def _codenames(user, pk: int) -> frozenset[str]:
    """The codenames of the permissions ``user`` holds on participant
    ``pk``, their own and their groups' (guardian's ``get_perms``, in one
    query, compiled once a process: :mod:`rattinsats.compiled`)."""
    rows = compiled_rows("participant-codenames", _codenames_query, user.pk, str(pk))
    return frozenset(codename for (codename,) in rows)


def _codenames_query(user_pk: int, object_pk: str):
    on_this = {
        "object_pk": object_pk,
        "permission__content_type__app_label": Participant._meta.app_label,
        "permission__content_type__model": Participant._meta.model_name,
    }
    own, groups = (
        rows.order_by().values_list("permission__codename", flat=True)
        for rows in (
            UserObjectPermission.objects.filter(user=user_pk, **on_this),
            GroupObjectPermission.objects.filter(group__user=user_pk, **on_this),
        )
    )
    return own.union(groups)


def user_can_change(user, participant: Participant) -> bool:
    """Whether ``user`` may write to ``participant``; an anonymised
    participation is read-only for everyone. Guardian's rule (an inactive
    account may not, a superuser may); the permissions read when the
    participant was fetched for ``user`` (:func:`participant_get_for_user`)
    are used again, else read."""
    if not (user.is_casework and not participant.is_anonymised and user.is_active):
        return False
    if user.is_superuser:
        return True
    known = getattr(participant, "_codenames_of", None)
    if known is not None and known[0] == user.pk:
        codenames = known[1]
    else:
        codenames = _codenames(user, participant.pk)
    return _CHANGE_CODENAME in codenames


def participant_require_change(user, participant: Participant) -> None:
    """Refuse (``PermissionDenied``) a write by ``user`` to the participant's
    case: the one check every service that changes a case makes."""
    if not (user.is_authenticated and user_can_change(user, participant)):
        raise PermissionDenied


def participant_get_for_change(user, pk, *, action: str | None = None) -> Participant:
    """Fetch a participant that ``user`` is about to change: 404 (and a
    denied event) for one they may not see, ``PermissionDenied`` for one
    they may see but not change. The writing service logs its own event;
    pass ``action`` to log a read as well (a form page opened to edit)."""
    participant = participant_get_for_user(user, pk, action=action)
    participant_require_change(user, participant)
    return participant


def record_get_for_change(
    user, pk, model: type[M] | QuerySet[M], record_pk, *, action: str | None = None
) -> tuple[Participant, M]:
    """Fetch a record of a participant's case (a consent, an intervention, a
    note, a flag, a closure) for a change, as
    :func:`participant_get_for_change` does for the participant; a record
    of another participant answers 404."""
    participant = participant_get_for_change(user, pk, action=action)
    record = get_object_or_404(model, pk=record_pk, participant=participant)
    return participant, record


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
    """The participant's consents, with who recorded and withdrew them,
    their text's version and organisations (every tab shows the one in
    force: compiled once, :mod:`rattinsats.compiled`)."""
    return compiled_objects(
        "participant-consents", _consents_query, participant.pk, known={"participant": participant}
    )


def _consents_query(participant_pk: int) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(participant=participant_pk)
        .select_related("recorded_by", "withdrawn_by", "text_version")
        .prefetch_related("organisations")
    )


def consent_text_current() -> ConsentText | None:
    """The version of the consent's text in use: the newest published."""
    return ConsentText.objects.order_by("-version").first()


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


def task_get_for_change(user, pk) -> Task:
    """One of the user's own tasks, to mark done; 404 for anyone else's."""
    return get_object_or_404(Task, pk=pk, assignee=user)


def tasks_open_for(user) -> QuerySet[Task]:
    """The user's open tasks, with what each one's link needs (the
    participant, or what an app registered for its kind) in one query."""
    return (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("participant", *task_target_related())
        .order_by("due_on", "created_at")
    )
