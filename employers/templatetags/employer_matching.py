"""The matching sections other pages include: an order's proposals and
matches (the job order's page) and a participant's orders (the
participant's *Arbetsgivare* tab). Each reads its own data, in a fixed
number of queries, so the including page needs only the order or the
participant in its context."""

from __future__ import annotations

from django import template
from django.utils import timezone

from participants.selectors import user_can_change

from .. import matching
from ..forms_matching import MatchAddForm
from ..models import JobOrder, Match

register = template.Library()


@register.inclusion_tag("employers/matching/_order_matches_section.html", takes_context=True)
def order_matches_section(context, order: JobOrder | None = None):
    """Four queries: the user's matches, the others' counted, the
    participants the user may add (the form's list) and, through
    ``matches_for_order``, nothing more."""
    request = context["request"]
    order = order or context.get("job_order") or context.get("order")
    today = timezone.localdate()
    is_open = order is not None and matching.order_is_open(order, today)
    found = matching.matches_for_order(request.user, order) if order is not None else None
    add_form = None
    if is_open and order is not None:
        add_form = MatchAddForm(
            participants=matching.available_participants(request.user, today)
            .exclude(job_matches__job_order=order)
            .order_by("last_name", "first_name", "id"),
        )
    return {
        "request": request,
        "order": order,
        "is_open": is_open,
        "found": found,
        "add_form": add_form,
        "Status": Match.Status,
        "next": request.get_full_path(),
    }


@register.inclusion_tag("employers/matching/_participant_matches_section.html", takes_context=True)
def participant_matches_section(context, participant=None):
    """Three queries: the participant's matches, and (for an active
    participation) their documents and the open orders that fit."""
    request = context["request"]
    participant = participant or context["participant"]
    today = timezone.localdate()
    can_change = context.get("can_change")
    if can_change is None:
        can_change = user_can_change(request.user, participant)
    suggestions = (
        matching.proposals_for_participant(participant, today) if participant.is_active else []
    )
    return {
        "request": request,
        "participant": participant,
        "matches": matching.matches_for_participant(participant),
        "suggestions": suggestions,
        "can_change": can_change,
        "Status": Match.Status,
        "next": request.get_full_path(),
    }
