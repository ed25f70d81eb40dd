"""The weekly meeting's item *Arbetsgivare och jobborder*, built from the
data: the open job orders with how far their matching has come, the
employer contacts of the week and the placements that start or end in it.
The meeting's free-text notes stay beside it.

Three queries whatever the number of rows. A placement names its
participant only to those who may see them (the visibility rule is a
subquery of the one query); others see whose participant it is."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from participants.selectors import participants_visible_to

from .matching import orders_open
from .models import EmployerContact, JobOrder, Match, Placement


@dataclass
class MeetingEmployers:
    week_start: datetime.date
    week_end: datetime.date
    open_orders: Sequence[JobOrder] | None  # None: not shown (an earlier week)
    contacts: list[EmployerContact]
    placements_starting: list[Placement]
    placements_ending: list[Placement]

    @property
    def empty(self) -> bool:
        return not (
            self.open_orders or self.contacts or self.placements_starting or self.placements_ending
        )


def meeting_employers(
    user, week_start: datetime.date, *, today: datetime.date, current: bool
) -> MeetingEmployers:
    """The item for the meeting of the week starting ``week_start``. The
    open orders are today's, so only the current week's meeting shows them;
    contacts and placements are those dated in the week."""
    week_end = week_start + datetime.timedelta(days=6)
    open_orders = None
    if current:
        presented = (
            Match.Status.PRESENTED,
            Match.Status.INTERVIEW,
            Match.Status.HIRED,
            Match.Status.NOT_CHOSEN,
        )
        open_orders = list(
            orders_open(today)
            .select_related("employer")
            .annotate(
                proposed_n=Count(
                    "matches",
                    filter=Q(matches__status__in=[Match.Status.PROPOSED, Match.Status.CONFIRMED]),
                ),
                presented_n=Count("matches", filter=Q(matches__status__in=presented)),
                hired_n=Count("matches", filter=Q(matches__status=Match.Status.HIRED)),
            )
            .order_by("apply_by", "created_at", "id")
        )
    contacts = list(
        EmployerContact.objects.filter(date__range=(week_start, week_end))
        .select_related("employer", "staff")
        .order_by("date", "id")
    )
    placements = list(
        Placement.objects.filter(
            Q(start_date__range=(week_start, week_end)) | Q(end_date__range=(week_start, week_end))
        )
        .select_related("participant", "participant__responsible", "employer")
        .annotate(
            visible=Exists(participants_visible_to(user).filter(pk=OuterRef("participant_id")))
        )
        .order_by("start_date", "id")
    )
    return MeetingEmployers(
        week_start=week_start,
        week_end=week_end,
        open_orders=open_orders,
        contacts=contacts,
        placements_starting=[p for p in placements if week_start <= p.start_date <= week_end],
        placements_ending=[
            p for p in placements if p.end_date is not None and week_start <= p.end_date <= week_end
        ],
    )
