"""Access-log review for administrators; itself written to the audit trail."""

import datetime
from io import BytesIO

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from .access_review import access_review
from .audit import Action, audit_log
from .forms import AccessReviewForm
from .models import Role
from .permissions import role_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> AccessReviewForm:
    today = timezone.localdate()
    data = (
        request.GET
        if "start" in request.GET
        else {
            "start": (today - datetime.timedelta(days=30)).isoformat(),
            "end": today.isoformat(),
        }
    )
    return AccessReviewForm(data)


@role_required(Role.ADMIN)
@require_GET
def access_review_page(request):
    form = _form(request)
    rows = summaries = None
    if form.is_valid():
        user = form.cleaned_data["user"]
        rows, summaries = access_review(
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            user_id=user.pk if user else None,
        )
        audit_log(actor=request.user, action=Action.VIEW, object_type="access_review")
    return render(
        request,
        "access_review.html",
        {"form": form, "rows": rows, "summaries": summaries, "query": request.GET.urlencode()},
    )


@role_required(Role.ADMIN)
@require_GET
def access_review_excel(request):
    form = _form(request)
    if not form.is_valid():
        return render(request, "access_review.html", {"form": form}, status=400)
    user = form.cleaned_data["user"]
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows, summaries = access_review(start=start, end=end, user_id=user.pk if user else None)

    wb = Workbook()
    ws = wb.active
    ws.title = "Per användare"
    ws.append(["Användare", "Namn", "Visningar", "Deltagare", "Visningar utan tilldelning"])
    for s in summaries:
        ws.append(
            [
                s.user.username if s.user else "",
                s.user.get_full_name() if s.user else "",
                s.reads,
                s.participants,
                s.unassigned_reads,
            ]
        )
    detail = wb.create_sheet("Per deltagare")
    detail.append(
        ["Användare", "Deltagar-id", "Deltagare", "Visningar", "Första", "Senaste", "Tilldelad"]
    )
    tz = timezone.get_current_timezone()
    for r in rows:
        detail.append(
            [
                r.user.username if r.user else "",
                r.participant_id,
                r.participant.full_name if r.participant else "",
                r.reads,
                r.first.astimezone(tz).replace(tzinfo=None),
                r.last.astimezone(tz).replace(tzinfo=None),
                "Ja" if r.assigned else "Nej",
            ]
        )
    for column in ("E", "F"):
        for cell in detail[column][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    buffer = BytesIO()
    wb.save(buffer)
    audit_log(actor=request.user, action=Action.EXPORT, object_type="access_review")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="logguppfoljning-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response
