"""The monthly exchange (*månadsavstämning*, domain.md §4 step 6): for one
month and one organisation, what changed in each case, for entry into the
organisation's own system (Viva or AIS).

Only participants whose valid consent covers the organisation on the day the
report is made are shown with details. On the page, which only project
staff see, the others appear as "samtycke saknas" so that their consent can
be renewed; the files, which go to the organisation, only count them: they
must not tell the organisation who takes part without consent. Six queries
whatever the number of participants.
"""

from __future__ import annotations

import calendar
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework.models import Flag, Intervention
from mapping.models import StepwiseMove
from participants.models import Consent, Participant
from participants.periods import period_label
from participants.selectors import participants_visible_to
from rattinsats.models import Organisation
from rattinsats.pdf import pdf_render


@dataclass(frozen=True)
class MonthlyEvent:
    day: datetime.date
    kind: str
    text: str


@dataclass
class MonthlyRow:
    participant: Participant
    consent_ok: bool
    events: list[MonthlyEvent] = field(default_factory=list)


@dataclass
class MonthlyReport:
    organisation: Organisation
    first: datetime.date
    last: datetime.date
    made_on: datetime.date
    rows: list[MonthlyRow]
    # Flags to the organisation that, on ``unsent_counted_on`` (the month's
    # last day, or today for the running month), had been created but
    # neither sent nor withdrawn.
    unsent_flags: int = 0
    unsent_counted_on: datetime.date | None = None

    @property
    def shared_rows(self) -> list[MonthlyRow]:
        """The rows the files hold: participants whose consent covers the
        organisation."""
        return [row for row in self.rows if row.consent_ok]

    @property
    def without_consent(self) -> int:
        return sum(1 for row in self.rows if not row.consent_ok)

    @property
    def unsent_flags_line(self) -> str:
        return _("Flaggor som inte skickats: %(n)s") % {"n": self.unsent_flags}

    @property
    def unsent_flags_explained(self) -> str:
        return _(
            "Flaggor till %(org)s som den %(date)s var skapade men varken skickade eller "
            "återkallade."
        ) % {
            "org": self.organisation,
            "date": self.unsent_counted_on.isoformat() if self.unsent_counted_on else "",
        }

    @property
    def month_label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def filename_stem(self) -> str:
        return f"manadsavstamning-{self.first:%Y-%m}-{self.organisation.kind}"


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _aware_bounds(first: datetime.date, last: datetime.date):
    """The month as [start, end) in the local time zone, for datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


def _in_month(field_name: str, start, end) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def monthly_report(
    user, *, organisation, month: datetime.date, today: datetime.date | None = None
) -> MonthlyReport:
    """The participants ``user`` may see who took part during the month,
    each with the changes that happened in the month, dated the day they
    happened: start, stepwise moves for a period that ended in the month
    (or recorded in it, for an earlier period), interventions started or
    ended, flags to the organisation created or sent (withdrawn flags never
    reached it and are left out), and the closure. Also the number of flags
    to the organisation still unsent at the month's end."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    start, end = _aware_bounds(first, last)
    participants = list(
        participants_visible_to(user)
        .filter(start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("responsible")
        .order_by("last_name", "first_name", "id")
    )
    ids = [p.pk for p in participants]
    covered = set(
        Consent.objects.filter(
            participant__in=ids,
            withdrawn_at__isnull=True,
            signed_on__lte=today,
            valid_until__gte=today,
            organisations=organisation,
        ).values_list("participant_id", flat=True)
    )
    rows = {p.pk: MonthlyRow(p, p.pk in covered) for p in participants}
    shared = [pk for pk in ids if pk in covered]

    def add(pk, day, kind, text):
        rows[pk].events.append(MonthlyEvent(day, kind, text))

    for p in participants:
        if p.pk not in covered:
            continue
        if first <= p.start_date <= last:
            add(p.pk, p.start_date, _("Start"), _("Start i Rätt insats"))
        if p.end_date and first <= p.end_date <= last:
            text = p.get_closure_reason_display() or _("Avslut")
            if p.closure_result:
                text = f"{text}: {p.get_closure_result_display()}"
            add(p.pk, p.end_date, _("Avslut"), text)

    moves = (
        StepwiseMove.objects.filter(participant__in=shared)
        .filter(
            Q(period_end__gte=first, period_end__lte=last) | _in_month("recorded_at", start, end)
        )
        .select_related("category")
        .order_by("period")
    )
    for move in moves:
        # A move recorded late for a period that ended before the month is
        # dated the day it was recorded, within the month.
        if first <= move.period_end <= last:
            day = move.period_end
        else:
            day = timezone.localdate(move.recorded_at)
        add(
            move.participant_id,
            day,
            _("Stegvis förflyttning"),
            f"{period_label(move.period)}: {move.category.name}",
        )

    interventions = (
        Intervention.objects.filter(participant__in=shared)
        .filter(
            Q(start_date__gte=first, start_date__lte=last)
            | Q(end_date__gte=first, end_date__lte=last)
        )
        .select_related("activity")
    )
    for item in interventions:
        label = f"{item.activity.get_track_display()}: {item.activity.name}"
        if first <= item.start_date <= last:
            add(item.participant_id, item.start_date, _("Insats startad"), label)
        if item.end_date and first <= item.end_date <= last:
            add(item.participant_id, item.end_date, _("Insats avslutad"), label)

    flags = (
        Flag.objects.filter(participant__in=shared, organisation=organisation)
        .exclude(status=Flag.Status.WITHDRAWN)
        .filter(_in_month("created_at", start, end) | _in_month("sent_at", start, end))
    )
    for flag in flags:
        text = f"{flag.get_kind_display()}: {flag.reason}"
        if start <= flag.created_at < end:
            add(flag.participant_id, timezone.localdate(flag.created_at), _("Flagga skapad"), text)
        if flag.sent_at is not None and start <= flag.sent_at < end:
            if flag.sent_via:
                text = _("%(flag)s (via %(via)s)") % {
                    "flag": text,
                    "via": flag.get_sent_via_display(),
                }
            add(flag.participant_id, timezone.localdate(flag.sent_at), _("Flagga skickad"), text)

    for row in rows.values():
        row.events.sort(key=lambda e: e.day)
    cutoff = min(end, timezone.now())
    return MonthlyReport(
        organisation,
        first,
        last,
        today,
        list(rows.values()),
        unsent_flags=_unsent_flags(user, organisation, cutoff),
        unsent_counted_on=min(last, today),
    )


def _unsent_flags(user, organisation, cutoff: datetime.datetime) -> int:
    """Flags to ``organisation`` of the participants ``user`` may see that at
    ``cutoff`` had been created but neither sent nor withdrawn."""
    return (
        Flag.objects.filter(
            participant__in=participants_visible_to(user).values("pk"),
            organisation=organisation,
            created_at__lt=cutoff,
        )
        .filter(
            Q(sent_at__isnull=True, status__in=[Flag.Status.OPEN, Flag.Status.WITHDRAWN])
            | Q(sent_at__gte=cutoff)
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=cutoff))
        .count()
    )


XLSX_HEADERS = ["Personnummer", "Namn", "Ansvarig", "Datum", "Händelse", "Uppgift"]


def monthly_xlsx(report: MonthlyReport) -> bytes:
    """The report as a workbook: one row per change (a participant without
    changes gets one row saying so). Every text is a string cell, never a
    formula, and what staff typed wraps in its column (rattinsats.xlsx);
    it prints in landscape, fitted to the width, the header on every page."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from rattinsats.xlsx import RowWriter, print_setup, set_properties

    workbook = Workbook(write_only=True)
    set_properties(
        workbook,
        _("Rätt insats – månadsavstämning %(month)s") % {"month": report.month_label},
    )
    sheet = workbook.create_sheet(f"Månadsavstämning {report.month_label}")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 22
    sheet.column_dimensions["D"].width = 12
    sheet.column_dimensions["E"].width = 22
    sheet.column_dimensions["F"].width = 60
    print_setup(sheet, landscape=True, title_rows="1:1")
    bold = Font(bold=True)
    header = []
    for title in XLSX_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    # The participant's columns and the event's text wrap (from the top)
    # when longer than their column.
    writer = RowWriter(sheet, wrap={0: 16, 1: 28, 2: 22, 5: 60})
    rows = 1
    for row in report.shared_rows:
        p = row.participant
        who = [p.personnummer_display, p.full_name, str(p.responsible or "")]
        if not row.events:
            sheet.append(writer.row([*who, None, _("Inga förändringar"), None]))
            rows += 1
            continue
        for event in row.events:
            date_cell = WriteOnlyCell(sheet, value=event.day)
            date_cell.number_format = "yyyy-mm-dd"
            sheet.append(writer.row([*who, date_cell, event.kind, event.text]))
            rows += 1
    sheet.append(
        writer.row(
            [None, None, None, None, report.unsent_flags_line, report.unsent_flags_explained]
        )
    )
    rows += 1
    if report.without_consent:
        sheet.append(
            writer.row([None, None, None, None, _("Samtycke saknas"), _without_consent(report)])
        )
        rows += 1
    sheet.print_area = f"A1:F{rows}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _without_consent(report: MonthlyReport) -> str:
    return ngettext(
        "%(n)s deltagare utan samtycke som omfattar organisationen ingår inte.",
        "%(n)s deltagare utan samtycke som omfattar organisationen ingår inte.",
        report.without_consent,
    ) % {"n": report.without_consent}


def monthly_pdf(report: MonthlyReport) -> bytes:
    """The report as an A4 PDF, tagged PDF/UA-1."""
    return pdf_render(
        "reports/monthly_pdf.html",
        {"report": report, "without_consent": _without_consent(report)},
    )
