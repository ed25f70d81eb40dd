"""Reads of referrals and weekly meetings, limited to what the user may see."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from participants.models import Participant
from rattinsats.audit import Action, audit_log
from rattinsats.models import Role, User
from rattinsats.personnummer import Personnummer

from . import allocation
from .eligibility import age_on
from .models import Referral, WeeklyMeeting, week_monday

VIEW_PERMISSION = "referrals.view_referral"


def referrals_visible_to(user) -> QuerySet[Referral]:
    """The employment officer sees every referral; a counsellor their own;
    a staff member those allocated to them (object permission)."""
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none()
    if user.is_employment_officer:
        return Referral.objects.all()
    if user.is_counsellor:
        return Referral.objects.filter(referred_by=user)
    if user.is_casework:
        return get_objects_for_user(
            user, VIEW_PERMISSION, klass=Referral, accept_global_perms=False, with_superuser=False
        )
    return Referral.objects.none()


def referral_get_for_user(user, pk, *, action: str | None = Action.VIEW) -> Referral:
    """One referral for ``user``, or 404 (and a denied-access event)."""
    referral = (
        referrals_visible_to(user)
        .select_related("referred_by", "referring_organisation", "responsible", "meeting")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        audit_log(actor=user, action=Action.DENIED, object_type="referrals.referral", object_id=pk)
        raise Http404
    if action:
        audit_log(actor=user, action=action, obj=referral)
    return referral


def referrals_of_counsellor(user) -> QuerySet[Referral]:
    """The counsellor's own referrals, newest first, each with the
    participation it became (for its start, end and closure reason, see
    ``Referral.counsellor_timeline``): one query, whatever their number."""
    return (
        Referral.objects.filter(referred_by=user)
        .select_related("participant")
        .order_by("-created_at", "-id")
    )


def referral_inbox() -> dict[str, list[Referral]]:
    """The employment officer's inbox, in one query: new referrals to check,
    those waiting for the weekly meeting, and those waiting for the
    information call."""
    rows = (
        Referral.objects.filter(Q(status__in=Referral.OPEN_STATUSES))
        .select_related("referring_organisation", "responsible")
        .order_by("created_at", "id")
    )
    groups: dict[str, list[Referral]] = {s: [] for s in Referral.OPEN_STATUSES}
    for referral in rows:
        groups[referral.status].append(referral)
    return groups


def meeting_for_week(week_start: datetime.date) -> WeeklyMeeting:
    """The stored meeting of that week, or an unsaved one to show."""
    return WeeklyMeeting.objects.filter(week_start=week_start).first() or WeeklyMeeting(
        week_start=week_start
    )


def meetings_recent(before: datetime.date, limit: int = 12) -> list[WeeklyMeeting]:
    """The latest stored meetings of the weeks before the one starting on
    ``before`` (the current week's meeting is not an earlier one)."""
    return list(WeeklyMeeting.objects.filter(week_start__lt=before).order_by("-week_start")[:limit])


def referral_ids_openable(user, referrals: list[Referral]) -> set[int]:
    """Which of these referrals ``user`` may open (the referral's page
    answers 404 to the others): one query, none without referrals."""
    if not referrals:
        return set()
    return set(
        referrals_visible_to(user)
        .filter(pk__in=[r.pk for r in referrals])
        .values_list("pk", flat=True)
    )


def referrals_ready() -> list[Referral]:
    return list(
        Referral.objects.filter(status=Referral.Status.READY)
        .select_related("referring_organisation")
        .order_by("created_at", "id")
    )


def referrals_allocated_at(meeting: WeeklyMeeting) -> list[Referral]:
    if meeting.pk is None:
        return []
    return list(meeting.referrals.select_related("responsible").order_by("allocated_at", "id"))


def allocatable_staff() -> list[User]:
    """Who may be made responsible: active project staff, by name."""
    return list(
        User.objects.filter(
            is_active=True, role__in=[Role.STAFF, Role.EMPLOYMENT_OFFICER]
        ).order_by("first_name", "last_name", "id")
    )


def staff_loads(staff: list[User], today: datetime.date) -> list[allocation.StaffLoad]:
    """Each staff member's caseload: active participants plus referrals
    already allocated to them and waiting for the information call; with the
    mix of age groups and genders they hold. Two grouped queries, whatever
    the number of cases."""
    ids = [u.pk for u in staff]
    counts: dict[int, int] = defaultdict(int)
    ages: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    genders: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(rows):
        for responsible_id, gender, born, n in rows:
            counts[responsible_id] += n
            group = allocation.age_group(age_on(_birth(born), today))
            ages[responsible_id][group] += n
            genders[responsible_id][gender] += n

    # Grouped by birth date (first eight digits) rather than row by row.
    for qs in (
        Participant.objects.filter(status=Participant.Status.ACTIVE, responsible_id__in=ids),
        Referral.objects.filter(status=Referral.Status.ALLOCATED, responsible_id__in=ids),
    ):
        add(
            qs.annotate(born=Substr("personnummer", 1, 8))
            .values_list("responsible_id", "gender", "born")
            .annotate(n=Count("id"))
            .order_by()
        )
    return [
        allocation.StaffLoad(
            id=u.pk,
            caseload=counts[u.pk],
            capacity=u.capacity,
            active=u.is_active,
            age_groups=dict(ages[u.pk]),
            genders=dict(genders[u.pk]),
        )
        for u in staff
    ]


def case_for(referral: Referral, today: datetime.date) -> allocation.Case:
    return allocation.Case(
        id=referral.pk,
        age_group=allocation.age_group(age_of(referral, today)),
        gender=referral.gender,
    )


def _birth(yyyymmdd: str) -> datetime.date:
    """The birth date from a canonical personnummer's first eight digits."""
    century, year, month, day = (int(yyyymmdd[i : i + 2]) for i in range(0, 8, 2))
    return Personnummer(century, year, month, day, serial="000", check=0).birth_date


def current_week_start(today: datetime.date) -> datetime.date:
    return week_monday(today)


def may_see_consent_document(user, referral: Referral) -> bool:
    """The signed form is for the counsellor who sent it (until it is
    accepted), the employment officer and the responsible staff member."""
    if user.is_employment_officer:
        return True
    if user.is_counsellor:
        return referral.referred_by_id == user.pk and referral.status != Referral.Status.ACCEPTED
    return user.is_casework and referral.responsible_id == user.pk


def age_of(referral: Referral, today: datetime.date) -> int:
    return age_on(_birth(referral.personnummer[:8]), today)
