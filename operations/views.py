"""The jobs across every domain that have pages: the access-log review for
administrators, and the goal-document workbook's export and import for
project staff. Each is itself written to the audit trail."""

import datetime
import tempfile

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from mapping.columns import HEADERS
from mapping.views import overview_rows
from rattinsats.audit import Action, audit_log
from rattinsats.models import Role
from rattinsats.permissions import casework_required, role_required

from .access_review import access_review, access_review_workbook
from .forms import AccessReviewForm, ImportForm
from .workbook import export_workbook, import_workbook, too_large

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
    content = access_review_workbook(rows, summaries, start=start, end=end)
    audit_log(actor=request.user, action=Action.EXPORT, object_type="operations:access_review")
    response = HttpResponse(content, content_type=XLSX)
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


# What a multipart upload adds to the file: the form's other fields and the
# part headers.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


@csrf_exempt  # checked below, once the request's size is known to be sane
@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def goal_document_import(request):
    """Upload a goal-document workbook. All rows or none are imported;
    the problems are shown with their row and column. A request larger than
    the largest workbook taken (``RATTINSATS_GOAL_IMPORT_MAX_BYTES``) is
    refused before its body is read: the CSRF check would otherwise read
    it first."""
    limit = settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.method == "POST" and length > limit + UPLOAD_OVERHEAD_BYTES:
        return render(
            request,
            "operations/goal_document_import.html",
            {"form": ImportForm(), "result": too_large(limit), "headers": HEADERS},
            status=400,
        )
    return _goal_document_import(request)


@csrf_protect
def _goal_document_import(request):
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
