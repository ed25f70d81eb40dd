"""The jobs across every domain that have pages: the access-log review for
administrators, and the goal-document workbook's export and import for
project staff. Each is itself written to the audit trail."""

import datetime
import tempfile
from io import BytesIO

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from mapping.columns import HEADERS
from mapping.views import overview_rows
from rattinsats.audit import Action, audit_log
from rattinsats.models import Role
from rattinsats.permissions import casework_required, role_required

from .access_review import access_review
from .forms import AccessReviewForm, ImportForm
from .workbook import export_workbook, import_workbook

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
        audit_log(actor=request.user, action=Action.VIEW, object_type="operations:access_review")
    return render(
        request,
        "operations/access_review.html",
        {"form": form, "rows": rows, "summaries": summaries, "query": request.GET.urlencode()},
    )


@role_required(Role.ADMIN)
@require_GET
def access_review_excel(request):
    form = _form(request)
    if not form.is_valid():
        return render(request, "operations/access_review.html", {"form": form}, status=400)
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
    audit_log(actor=request.user, action=Action.EXPORT, object_type="operations:access_review")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="logguppfoljning-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response


# --- The goal-document workbook ----------------------------------------------


@casework_required
@require_GET
def goal_document_export(request):
    """The overview's rows (same filters) as the goal-document workbook."""
    _form, rows = overview_rows(request)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = export_workbook(rows, spool)
    spool.seek(0)
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        object_type="mapping.goaldocument",
        detail=f"måldokument, {count} rader",
    )
    name = f"maldokument-{timezone.localdate():%Y-%m-%d}.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def goal_document_import(request):
    """Upload a goal-document workbook. All rows or none are imported;
    every problem is shown with its row and column."""
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = import_workbook(form.cleaned_data["file"], actor=request.user)
            if result.ok:
                messages.success(
                    request,
                    _("%(n)s deltagare importerades från måldokumentet.") % {"n": result.created},
                )
                return redirect("mapping:overview")
    else:
        form = ImportForm()
    return render(
        request,
        "operations/goal_document_import.html",
        {"form": form, "result": result, "headers": HEADERS},
    )
