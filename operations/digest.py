"""The daily digest: one e-mail a day to each member of the project team
with what is waiting for them on *Att göra*, as counts only.

It needs every domain (participants' consents and periods, mapping's moves,
casework's flags, closure's follow-ups), so it lives on the top floor. The
mail names no one: no names, no personnummer, only counts and a link to
*Att göra*; a member with nothing waiting gets no mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import Flag
from mapping.models import StepwiseMove
from participants.models import Consent, Participant, Task
from participants.periods import PERIOD_COUNT, period_bounds
from rattinsats.models import CASEWORK_ROLES, User
from rattinsats.notifications import user_mail_send


@dataclass
class DigestCounts:
    """What waits for one staff member, as on *Att göra*."""

    # Active participants whose consent ends within
    # RATTINSATS_CONSENT_RENEWAL_DAYS, or who have no valid consent.
    consents: int = 0
    # Open follow-ups after a closure, due today or earlier.
    follow_ups: int = 0
    # Ended three-month periods of active participants without a move.
    periods: int = 0
    # Flags still to send, created more than RATTINSATS_DIGEST_UNSENT_FLAG_DAYS
    # days before today.
    flags: int = 0

    @property
    def total(self) -> int:
        return self.consents + self.follow_ups + self.periods + self.flags


def digest_counts(today: datetime.date) -> dict[int, DigestCounts]:
    """The counts for every staff member (by user id) with something
    waiting, for the participants they are responsible for. Five queries,
    whatever the number of participants: each count is grouped in the
    database, except the periods, which are computed from one list of the
    active participations' starts and one of their recorded moves."""
    counts: dict[int, DigestCounts] = {}

    def of(user_id: int) -> DigestCounts:
        return counts.setdefault(user_id, DigestCounts())

    active = Participant.objects.filter(status=Participant.Status.ACTIVE, responsible__isnull=False)
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
    renewal_limit = today + datetime.timedelta(days=settings.RATTINSATS_CONSENT_RENEWAL_DAYS)
    consents = (
        active.annotate(consent_valid_until=Subquery(valid_until))
        .filter(Q(consent_valid_until__isnull=True) | Q(consent_valid_until__lte=renewal_limit))
        .values("responsible")
        .annotate(n=Count("pk"))
        .values_list("responsible", "n")
    )
    for user_id, n in consents:
        of(user_id).consents = n

    follow_ups = (
        Task.objects.filter(kind=Task.Kind.FOLLOW_UP, done_at__isnull=True, due_on__lte=today)
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    for user_id, n in follow_ups:
        of(user_id).follow_ups = n

    recorded = set(
        StepwiseMove.objects.filter(
            participant__status=Participant.Status.ACTIVE,
            participant__responsible__isnull=False,
        ).values_list("participant_id", "period")
    )
    for pk, user_id, start in active.values_list("pk", "responsible", "start_date"):
        for k in range(1, PERIOD_COUNT + 1):
            if period_bounds(start, k)[1] >= today:
                break
            if (pk, k) not in recorded:
                of(user_id).periods += 1

    # Created before the local midnight N days ago: unsent for more than N days.
    unsent_since = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=settings.RATTINSATS_DIGEST_UNSENT_FLAG_DAYS),
            datetime.time.min,
        )
    )
    flags = (
        Flag.objects.filter(
            status=Flag.Status.OPEN,
            created_at__lt=unsent_since,
            participant__responsible__isnull=False,
            participant__anonymised_at__isnull=True,
        )
        .values("participant__responsible")
        .annotate(n=Count("pk"))
        .values_list("participant__responsible", "n")
    )
    for user_id, n in flags:
        of(user_id).flags = n
    return {user_id: c for user_id, c in counts.items() if c.total}


def digest_recipients() -> list[int]:
    """The ids of the active project team members with an address."""
    return list(
        User.objects.filter(is_active=True, role__in=CASEWORK_ROLES)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def digest_mail(counts: DigestCounts) -> tuple[str, str]:
    """The subject and body of one digest, in Swedish (the app's language;
    the recipient's choice of language is not stored): counts and a link,
    nothing else."""
    link = settings.SITE_URL.rstrip("/") + reverse("casework:tasks")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Rätt insats: att göra i dag")
        lines = [
            _("Det här väntar på dig i Rätt insats:"),
            "",
            _("Samtycken som går ut inom %(days)d dagar eller saknas: %(n)d")
            % {"days": settings.RATTINSATS_CONSENT_RENEWAL_DAYS, "n": counts.consents},
            _("Uppföljningar efter avslut att göra: %(n)d") % {"n": counts.follow_ups},
            _("Perioder utan registrerad stegvis förflyttning: %(n)d") % {"n": counts.periods},
            _("Flaggor som inte skickats på mer än %(days)d dagar: %(n)d")
            % {"days": settings.RATTINSATS_DIGEST_UNSENT_FLAG_DAYS, "n": counts.flags},
            "",
            _("Logga in i Rätt insats och öppna Att göra för att se vilka:"),
            link,
            "",
        ]
    return subject, "\n".join(lines)


def digest_send(today: datetime.date) -> dict[str, int]:
    """Queue the day's digest mail to each team member with something
    waiting: one mail job each, holding the user's id and the text with the
    counts. Run by the schedule in the transaction that marks the day's run
    done, so a run taken back from a dead worker queues no mail twice; a
    queue that cannot be written fails the whole run."""
    counts = digest_counts(today)
    sent = 0
    for user_id in digest_recipients():
        mine = counts.get(user_id)
        if mine is None:
            continue
        subject, body = digest_mail(mine)
        user_mail_send.enqueue(user_id, subject, body)
        sent += 1
    return {"mails": sent}
