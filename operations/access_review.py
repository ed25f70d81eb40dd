"""Access-log review (*logguppföljning*): who opened which participant.

Reads the audit trail's view events for a period and flags reads of
participants the reader is neither responsible for nor shared with (as the
access stands now). A referring counsellor opening their own referral after
it became a participation (the receipt: a view of ``referrals.referral``
that names the participant) is not flagged: that referral is theirs to
follow. Any other read by them of the participant still is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from io import BytesIO

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from guardian.models import UserObjectPermission
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from participants.models import Participant
from rattinsats.models import AuditEvent, User
from rattinsats.xlsx import append_row, print_setup, set_properties
from referrals.models import Referral

REFERRAL_OBJECT_TYPE = Referral._meta.label_lower


@dataclass
class ReadRow:
    user: User | None
    participant_id: int
    participant: Participant | None
    reads: int
    first: datetime.datetime
    last: datetime.datetime
    assigned: bool
    # Every read was of the reader's own referral that became the participation.
    own_referral: bool = False


@dataclass
class UserSummary:
    user: User | None
    reads: int
    participants: int
    unassigned_reads: int


def _bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    upper = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return lower, upper


def access_review(
    *, start: datetime.date, end: datetime.date, user_id: int | None = None
) -> tuple[list[ReadRow], list[UserSummary]]:
    """Reads per user and participant in [start, end], in five queries."""
    lower, upper = _bounds(start, end)
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        participant_id__isnull=False,
        at__gte=lower,
        at__lt=upper,
    )
    if user_id:
        events = events.filter(user_id=user_id)
    grouped = list(
        events.values("user_id", "participant_id")
        .annotate(
            reads=Count("id"),
            referral_reads=Count("id", filter=Q(object_type=REFERRAL_OBJECT_TYPE)),
            first=Min("at"),
            last=Max("at"),
        )
        .order_by("user_id", "participant_id")
    )
    user_ids = {g["user_id"] for g in grouped if g["user_id"]}
    participant_ids = {g["participant_id"] for g in grouped}
    users = User.objects.in_bulk(user_ids)
    # Who referred each participant comes with them (the referral is one to
    # one with the participation), so the review keeps its five queries.
    participants = (
        Participant.objects.only(
            "id", "first_name", "last_name", "personnummer", "responsible_id", "anonymised_at"
        )
        .annotate(referrer_id=F("referral__referred_by"))
        .in_bulk(participant_ids)
    )
    content_type = ContentType.objects.get_for_model(Participant)
    granted = set(
        UserObjectPermission.objects.filter(
            content_type=content_type,
            permission__codename="view_participant",
            object_pk__in=[str(pk) for pk in participant_ids],
        ).values_list("user_id", "object_pk")
    )

    rows = []
    for g in grouped:
        participant = participants.get(g["participant_id"])
        own_referral = (
            participant is not None
            and g["user_id"] is not None
            and participant.referrer_id == g["user_id"]
            and g["referral_reads"] == g["reads"]
        )
        assigned = (
            (g["user_id"], str(g["participant_id"])) in granted
            or (participant is not None and participant.responsible_id == g["user_id"])
            or own_referral
        )
        rows.append(
            ReadRow(
                user=users.get(g["user_id"]),
                participant_id=g["participant_id"],
                participant=participant,
                reads=g["reads"],
                first=g["first"],
                last=g["last"],
                assigned=assigned,
                own_referral=own_referral,
            )
        )
    rows.sort(key=lambda r: (r.assigned, -r.reads))

    summaries: dict[int | None, UserSummary] = {}
    for row in rows:
        key = row.user.pk if row.user else None
        s = summaries.setdefault(key, UserSummary(row.user, 0, 0, 0))
        s.reads += row.reads
        s.participants += 1
        if not row.assigned:
            s.unassigned_reads += row.reads
    summary_list = sorted(summaries.values(), key=lambda s: (-s.unassigned_reads, -s.reads))
    return rows, summary_list


def access_review_workbook(
    rows: list[ReadRow], summaries: list[UserSummary], *, start: datetime.date, end: datetime.date
) -> bytes:
    """The review as a workbook: a sheet per user and one per user and
    participant. Every text (names included) is a string cell, never a
    formula (rattinsats.xlsx); each sheet prints fitted to the width with
    its header on every page and filters on its columns."""
    wb = Workbook()
    set_properties(wb, f"Rätt insats – logguppföljning {start:%Y-%m-%d}–{end:%Y-%m-%d}")
    ws = wb.active
    ws.title = "Per användare"
    append_row(ws, ["Användare", "Namn", "Visningar", "Deltagare", "Visningar utan tilldelning"])
    for s in summaries:
        append_row(
            ws,
            [
                s.user.username if s.user else "",
                s.user.get_full_name() if s.user else "",
                s.reads,
                s.participants,
                s.unassigned_reads,
            ],
        )
    detail = wb.create_sheet("Per deltagare")
    append_row(
        detail,
        ["Användare", "Deltagar-id", "Deltagare", "Visningar", "Första", "Senaste", "Tilldelad"],
    )
    tz = timezone.get_current_timezone()
    for r in rows:
        append_row(
            detail,
            [
                r.user.username if r.user else "",
                r.participant_id,
                r.participant.full_name if r.participant else "",
                r.reads,
                r.first.astimezone(tz).replace(tzinfo=None),
                r.last.astimezone(tz).replace(tzinfo=None),
                "Ja" if r.assigned else "Nej",
            ],
        )
    for column in ("E", "F"):
        for cell in detail[column][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    for sheet, widths in ((ws, (16, 28, 11, 11, 24)), (detail, (16, 12, 28, 11, 17, 17, 10))):
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.print_area = sheet.dimensions
        print_setup(sheet, landscape=sheet is detail, title_rows="1:1")
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
