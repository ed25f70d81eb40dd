"""Reads of the day-to-day casework, limited to what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from mapping.models import StepwiseMove
from participants.models import Consent, Participant
from participants.periods import PERIOD_COUNT, period_bounds, period_label
from participants.selectors import participants_visible_to

from .models import Flag, Intervention, JournalNote


def interventions_for(participant: Participant) -> list[Intervention]:
    return list(participant.interventions.select_related("activity", "created_by", "updated_by"))


def journal_for(participant: Participant) -> list[JournalNote]:
    """Every note, newest first; ``note.correction`` is the note that
    corrects it (or raises ``DoesNotExist``: use ``corrected_by``)."""
    notes: list[JournalNote] = list(
        participant.journal_notes.select_related("author", "corrects").annotate(
            corrected_by_id=Subquery(
                JournalNote.objects.filter(corrects=OuterRef("pk")).values("pk")[:1]
            )
        )
    )
    return notes


FLAG_RELATED = ("organisation", "created_by", "sent_by", "done_by", "withdrawn_by")


def flags_for(participant: Participant) -> list[Flag]:
    """Every flag of the participant, withdrawn ones included (they are
    part of the history): those to send first."""
    return list(
        participant.flags.select_related(*FLAG_RELATED).order_by(
            _flag_status_order(), "-created_at", "-id"
        )
    )


def _flag_status_order():
    return Case(
        When(status=Flag.Status.OPEN, then=Value(0)),
        When(status=Flag.Status.SENT, then=Value(1)),
        When(status=Flag.Status.DONE, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def flag_list(user, *, organisation=None, status: str | None = Flag.Status.OPEN) -> QuerySet[Flag]:
    """Flags of the participants ``user`` may see, in one state (``None``:
    all of them, those to send first)."""
    qs = Flag.objects.filter(participant__in=participants_visible_to(user).values("pk"))
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.select_related("participant", *FLAG_RELATED).order_by(
        _flag_status_order(), "-created_at", "-id"
    )


@dataclass(frozen=True)
class Reminder:
    """Something computed from the cases that the staff member should do."""

    participant: Participant
    text: str
    due_on: datetime.date | None = None
    url_name: str = "participants:detail"

    @property
    def url(self) -> str:
        # The tab may belong to an app that is not installed.
        try:
            return reverse(self.url_name, args=[self.participant.pk])
        except NoReverseMatch:
            return reverse("participants:detail", args=[self.participant.pk])


def reminders_for(user, today: datetime.date) -> dict[str, list[Reminder]]:
    """The computed part of "Att göra" for the participants the user is
    responsible for: for the active ones, consents to renew and ended
    periods without a recorded stepwise move; for every one, closed
    participations included, the flags still to send. Four queries whatever
    the number of participants and flags."""
    valid_until = (
        Consent.objects.filter(
            participant=OuterRef("pk"),
            withdrawn_at__isnull=True,
            signed_on__lte=today,
            valid_until__gte=today,
        )
        .values("participant")
        .annotate(last=Max("valid_until"))
        .values("last")
    )
    mine = participants_visible_to(user).filter(responsible=user)
    participants = list(
        mine.filter(status=Participant.Status.ACTIVE)
        .annotate(consent_valid_until=Subquery(valid_until))
        .order_by("last_name", "first_name", "id")
    )
    by_pk = {p.pk: p for p in participants}
    renewal_limit = today + datetime.timedelta(days=settings.RATTINSATS_CONSENT_RENEWAL_DAYS)

    consents = []
    for p in participants:
        if p.consent_valid_until is None:
            consents.append(Reminder(p, _("Inget giltigt samtycke"), None, "participants:consents"))
        elif p.consent_valid_until <= renewal_limit:
            consents.append(
                Reminder(p, _("Samtycket går ut"), p.consent_valid_until, "participants:consents")
            )

    recorded = set(
        StepwiseMove.objects.filter(participant__in=list(by_pk)).values_list(
            "participant_id", "period"
        )
    )
    periods = []
    for p in participants:
        for k in range(1, PERIOD_COUNT + 1):
            first, last = period_bounds(p.start_date, k)
            if last >= today:
                break
            if (p.pk, k) not in recorded:
                periods.append(
                    Reminder(
                        p,
                        _("Ingen stegvis förflyttning för %(period)s")
                        % {"period": period_label(k)},
                        last,
                        "mapping:goals",
                    )
                )

    # Closed participations too: a closure's flags are sent after it.
    flags = [
        Reminder(
            f.participant,
            f"{f.get_kind_display()} → {f.organisation}",
            None,
            "casework:participant_flags",
        )
        for f in Flag.objects.filter(
            participant__in=mine.filter(anonymised_at__isnull=True).values("pk"),
            status=Flag.Status.OPEN,
        )
        .select_related("participant", "organisation")
        .order_by("created_at", "id")
    ]
    return {"consents": consents, "periods": periods, "flags": flags}
