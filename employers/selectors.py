"""Reads of employer collaboration, limited to what the user may see.

Employers and job orders are the project team's (staff and the employment
officer); nobody else sees any. A placement belongs to a participant's
case: the employer's page names the participant only to those who may see
the case.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from participants.models import Participant
from participants.selectors import participants_visible_to
from rattinsats.models import CASEWORK_ROLES, User

from .models import ContactPerson, Employer, EmployerContact, JobOrder, Placement
from .numbers import organisation_number_parse

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _is_team(user) -> bool:
    return bool(user.is_authenticated and user.is_casework)


def staff_choices() -> QuerySet[User]:
    """The users who can hold an employer relationship or make a contact."""
    return User.objects.filter(is_active=True, role__in=CASEWORK_ROLES).order_by(
        "first_name", "last_name", "username"
    )


def employers_live() -> QuerySet[Employer]:
    """Employers not merged into another: the ones lists, search and
    choices offer."""
    return Employer.objects.filter(merged_into__isnull=True)


def _count_of(queryset) -> Subquery:
    return Subquery(
        queryset.order_by().values("employer").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


class EmployerRowColumns(TypedDict):
    open_orders: int
    last_contact: datetime.date | None


def employer_rows(
    employers: QuerySet[Employer],
) -> QuerySet[WithAnnotations[Employer, EmployerRowColumns]]:
    """``employers`` as the list page and the workbook show them, by name:
    with their relationship holder, number of open job orders
    (``open_orders``) and the date of the latest contact
    (``last_contact``), in one query whatever their number."""
    open_orders = JobOrder.objects.filter(employer=OuterRef("pk"), status=JobOrder.Status.OPEN)
    last_contact = (
        EmployerContact.objects.filter(employer=OuterRef("pk"))
        .order_by()
        .values("employer")
        .annotate(last=Max("date"))
        .values("last")
    )
    return (
        employers.select_related("responsible")
        .annotate(
            open_orders=Coalesce(_count_of(open_orders), Value(0)),
            last_contact=Subquery(last_contact),
        )
        .order_by("name", "id")
    )


def employer_list(user, *, search: str = "") -> QuerySet[Employer]:
    """The list page's rows: live employers (:func:`employer_rows`)."""
    if not _is_team(user):
        return Employer.objects.none()
    return employer_search(employer_rows(employers_live()), search)


def employer_search(qs: QuerySet[Employer], term: str) -> QuerySet[Employer]:
    """Filter by name (every word) or organisation number (the full number
    in any accepted form, or the digits it starts with)."""
    term = (term or "").strip()
    if not term:
        return qs
    try:
        return qs.filter(organisation_number=organisation_number_parse(term).number)
    except ValueError:
        pass
    digits = term.replace("-", "").replace(" ", "")
    if digits.isdigit():
        if len(digits) > 6:
            return qs.filter(organisation_number__startswith=f"{digits[:6]}-{digits[6:]}")
        return qs.filter(organisation_number__startswith=digits)
    condition = Q()
    for word in term.split():
        condition &= Q(name__icontains=word)
    return qs.filter(condition)


def employer_get(user, pk) -> Employer:
    """One employer (merged ones too: their page says where they went), or 404."""
    if not _is_team(user):
        raise Http404
    return get_object_or_404(
        Employer.objects.select_related("responsible", "merged_into", "created_by"), pk=pk
    )


def employer_detail(employer: Employer, user) -> dict:
    """What the employer's page shows: contact people, the contact log, the
    job orders and the placements (five queries). A placement names its
    participant only to those who may see the participant."""
    people = list(employer.contact_people.all())
    contacts = list(
        employer.contacts.select_related("staff", "contact_person", "task").order_by("-date", "-id")
    )
    orders = list(
        employer.job_orders.annotate(
            placement_count=Count("placements"),
        ).order_by("status", "-created_at", "-id")
    )
    visible = participants_visible_to(user).filter(pk=OuterRef("participant_id"))
    placements = list(
        employer.placements.select_related("participant", "job_order", "supervisor")
        .annotate(participant_visible=Exists(visible))
        .order_by("-start_date", "-id")
    )
    return {
        "contact_people": people,
        "contacts": contacts,
        "job_orders": orders,
        "placements": placements,
    }


def employer_merge_choices(employer: Employer) -> QuerySet[Employer]:
    """The employers a duplicate can be merged into."""
    return employers_live().filter(anonymised_at__isnull=True).exclude(pk=employer.pk)


def job_order_list(user, *, status: str | None = JobOrder.Status.OPEN) -> QuerySet[JobOrder]:
    """Job orders of live employers, in one state (``None``: all), with
    the employer (one query)."""
    if not _is_team(user):
        return JobOrder.objects.none()
    qs = JobOrder.objects.select_related("employer")
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("apply_by", "-created_at", "-id")


def job_order_get(user, pk) -> JobOrder:
    if not _is_team(user):
        raise Http404
    return get_object_or_404(JobOrder.objects.select_related("employer", "created_by"), pk=pk)


def job_order_placements(order: JobOrder, user) -> list[Placement]:
    """The placements made from the order; each names its participant only
    to those who may see the participant (one query)."""
    visible = participants_visible_to(user).filter(pk=OuterRef("participant_id"))
    return list(
        order.placements.select_related("participant", "employer")
        .annotate(participant_visible=Exists(visible))
        .order_by("-start_date", "-id")
    )


def contact_person_get(employer: Employer, pk) -> ContactPerson:
    return get_object_or_404(ContactPerson, pk=pk, employer=employer)


def placements_for(participant: Participant) -> list[Placement]:
    """The participant's placements with everything the tab shows and the
    number of follow-up meetings (one query)."""
    return list(
        participant.placements.select_related(
            "employer",
            "job_order",
            "supervisor",
            "intervention__activity",
            "move__category",
        )
        .annotate(follow_up_count=Count("follow_ups"))
        .order_by("-start_date", "-id")
    )


def placement_follow_ups(placement: Placement) -> list:
    return list(placement.follow_ups.select_related("staff").order_by("-date", "-id"))
