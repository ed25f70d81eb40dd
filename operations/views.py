"""The jobs across every domain that have pages: the access-log review for
administrators, and the goal-document workbook's export and import for
project staff. Each is itself written to the audit trail.

The workbooks are made, and the workbook imported, by background jobs
(``operations.jobs``): the page's button posts, the job starts, and the
user follows it on its page (``/jobb/<id>/``), where the file is
downloaded or the import's problems are listed. A GET of an export's URL
(an old bookmark) leads back to its page."""

import datetime

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from mapping.columns import HEADERS
from mapping.forms import overview_filters
from rattinsats.audit import Action, audit_log
from rattinsats.models import Role
from rattinsats.permissions import casework_required, role_required

from . import jobs
from .access_review import access_review
from .forms import AccessReviewForm, ImportForm
from .workbook import too_large


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
@require_http_methods(["GET", "HEAD", "POST"])
def access_review_excel(request):
    """POST: the review's workbook as a background job, then its page. GET
    leads to the review with the same period."""
    if request.method != "POST":
        query = request.GET.urlencode()
        return redirect(reverse("operations:access_review") + (f"?{query}" if query else ""))
    form = AccessReviewForm(request.POST)
    if not form.is_valid():
        return render(request, "operations/access_review.html", {"form": form}, status=400)
    user = form.cleaned_data["user"]
    job = jobs.access_review_start(
        request.user,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        user_id=user.pk if user else None,
    )
    return redirect("file_job", pk=job.pk)


# --- The goal-document workbook ----------------------------------------------


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def goal_document_export(request):
    """POST: the overview's rows (its filters, posted as the page has them)
    as the goal-document workbook, made by a background job. GET leads to
    the overview with the same filters."""
    if request.method != "POST":
        query = request.GET.urlencode()
        return redirect(reverse("mapping:overview") + (f"?{query}" if query else ""))
    _form, responsible, status = overview_filters(request.POST)
    job = jobs.goal_export_start(request.user, responsible=responsible, status=status)
    return redirect("file_job", pk=job.pk)


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
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = jobs.goal_import_start(request.user, form.cleaned_data["file"])
            return redirect("file_job", pk=job.pk)
    else:
        form = ImportForm()
    return render(
        request,
        "operations/goal_document_import.html",
        {"form": form, "result": None, "headers": HEADERS},
    )
