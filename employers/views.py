"""The pages of employer collaboration: employers (list and search,
details, contact people, the contact log, merging duplicates), job orders,
the workbooks, and the participant's *Arbetsgivare* tab with placements.

Thin: the services decide and write, the selectors read. Only the project
team opens these pages (``casework_required``: anyone else gets 404, as
for the casework pages). A sole trader's record is personal data: each
read of its page is written to the audit trail, as a participant's is.
"""

from __future__ import annotations

import tempfile
from functools import partial, wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from participants.views import participant_for_page, participant_header_context, record_for_page
from rattinsats.audit import Action, audit_log
from rattinsats.forms import add_validation_errors
from rattinsats.permissions import casework_required

from . import selectors, services
from .forms import (
    ContactPersonEditForm,
    ContactPersonForm,
    EmployerContactForm,
    EmployerEditForm,
    EmployerForm,
    EmployerImportForm,
    EmployerSearchForm,
    JobOrderEditForm,
    JobOrderFilterForm,
    JobOrderForm,
    MergeForm,
    PlacementEditForm,
    PlacementEmployerForm,
    PlacementFollowUpForm,
    PlacementForm,
)
from .models import Employer, Placement
from .workbook import EMPLOYER_EXTRA, EMPLOYER_HEADERS, export_employers, export_job_orders
from .workbook import import_employers as workbook_import


def _initial(record, form_class) -> dict:
    """An edit form's initial values: the record's fields the form has
    (a foreign key as its id, the version for the concurrent-edit check)."""
    return model_to_dict(record, fields=list(form_class.base_fields))


PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTICIPANT_TAB = "employers:participant_tab"


def _submit(request, form, write):
    """For a valid POST, call ``write(**form.cleaned_data)`` and return what
    it wrote; a service's refusal lands on the form (None)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return write(**form.cleaned_data)
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return None


def _employer_for_page(request, employer_pk: int) -> Employer:
    """The employer of a page. Reading a sole trader's page (its number is
    the owner's personnummer) writes a *view* event; a write leaves the
    event to its service."""
    employer = selectors.employer_get(request.user, employer_pk)
    if employer.is_sole_trader and request.method in ("GET", "HEAD"):
        audit_log(actor=request.user, action=Action.VIEW, obj=employer)
    return employer


def _employer_for_change(request, employer_pk: int) -> Employer | None:
    """The employer of a form page, or None (with a message) when it is
    merged or anonymised and can no longer be changed."""
    employer = _employer_for_page(request, employer_pk)
    try:
        services.employer_require_live(employer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    return employer


def _employer_form_page(view):
    """A form page of one employer, for the project team: GET shows the
    form, POST saves it. ``view(request, employer, **kwargs)`` is called
    only for an employer that can still be changed; a merged or anonymised
    one sends the user back to its page with the reason."""

    @casework_required
    @require_http_methods(["GET", "HEAD", "POST"])
    @wraps(view)
    def page(request, employer_pk: int, **kwargs):
        employer = _employer_for_change(request, employer_pk)
        if employer is None:
            return redirect("employers:detail", employer_pk=employer_pk)
        return view(request, employer, **kwargs)

    return page


# --- Employers ---------------------------------------------------------------


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def employer_list(request):
    """Employers, searchable by name or organisation number. The search
    term comes in a POST body, never in the URL: a sole trader's number is
    a personnummer."""
    if request.method == "POST":
        form = EmployerSearchForm(request.POST)
    else:
        form = EmployerSearchForm(initial={"q": ""})
    term = ""
    page_number = request.GET.get("page") or 1
    if request.method == "POST" and form.is_valid():
        term = form.cleaned_data["q"]
        page_number = form.cleaned_data["page"] or 1
    employers = selectors.employer_list(request.user, search=term)
    page = Paginator(employers, PAGE_SIZE).get_page(page_number)
    return render(
        request,
        "employers/list.html",
        {"form": form, "page": page, "term": term, "searching": bool(term)},
    )


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def employer_create(request):
    form = EmployerForm(request.POST or None, initial={"responsible": request.user.pk})
    employer = _submit(request, form, partial(services.employer_create, actor=request.user))
    if employer is not None:
        messages.success(request, _("Arbetsgivaren är registrerad."))
        return redirect("employers:detail", employer_pk=employer.pk)
    return render(request, "employers/employer_form.html", {"form": form, "employer": None})


@casework_required
@require_GET
def employer_detail(request, employer_pk: int):
    employer = _employer_for_page(request, employer_pk)
    context = {"employer": employer, "today": timezone.localdate()}
    context.update(selectors.employer_detail(employer, request.user))
    return render(request, "employers/detail.html", context)


@_employer_form_page
def employer_edit(request, employer: Employer):
    form = EmployerEditForm(
        request.POST or None,
        initial=_initial(employer, EmployerEditForm),
    )
    if _submit(
        request, form, partial(services.employer_update, actor=request.user, employer=employer)
    ):
        messages.success(request, _("Arbetsgivaren är sparad."))
        return redirect("employers:detail", employer_pk=employer.pk)
    return render(request, "employers/employer_form.html", {"form": form, "employer": employer})


@_employer_form_page
def employer_merge(request, employer: Employer):
    """Merge this employer (the duplicate) into another one, chosen here."""
    form = MergeForm(request.POST or None, choices=selectors.employer_merge_choices(employer))
    if _submit(
        request, form, partial(services.employer_merge, actor=request.user, duplicate=employer)
    ):
        keep = form.cleaned_data["keep"]
        messages.success(
            request,
            _("%(duplicate)s är sammanslagen med %(keep)s.")
            % {"duplicate": employer.name, "keep": keep.name},
        )
        return redirect("employers:detail", employer_pk=keep.pk)
    return render(request, "employers/merge.html", {"employer": employer, "form": form})


@_employer_form_page
def contact_person_create(request, employer: Employer):
    form = ContactPersonForm(request.POST or None)
    if _submit(
        request,
        form,
        partial(services.contact_person_create, actor=request.user, employer=employer),
    ):
        messages.success(request, _("Kontaktpersonen är sparad."))
        return redirect("employers:detail", employer_pk=employer.pk)
    return render(
        request,
        "employers/contact_person_form.html",
        {"employer": employer, "form": form, "person": None},
    )


@_employer_form_page
def contact_person_edit(request, employer: Employer, person_pk: int):
    person = selectors.contact_person_get(employer, person_pk)
    form = ContactPersonEditForm(
        request.POST or None,
        initial=_initial(person, ContactPersonEditForm),
    )
    if _submit(
        request, form, partial(services.contact_person_update, actor=request.user, person=person)
    ):
        messages.success(request, _("Kontaktpersonen är sparad."))
        return redirect("employers:detail", employer_pk=employer.pk)
    return render(
        request,
        "employers/contact_person_form.html",
        {"employer": employer, "form": form, "person": person},
    )


@_employer_form_page
def contact_record(request, employer: Employer):
    """Record a call, visit or e-mail in the contact log."""
    form = EmployerContactForm(
        request.POST or None,
        employer=employer,
        initial={"date": timezone.localdate(), "staff": request.user.pk},
    )
    contact = _submit(
        request,
        form,
        partial(services.employer_contact_record, actor=request.user, employer=employer),
    )
    if contact is not None:
        if contact.task_id:
            messages.success(
                request, _("Kontakten är registrerad, och nästa steg finns under Att göra.")
            )
        else:
            messages.success(request, _("Kontakten är registrerad."))
        return redirect("employers:detail", employer_pk=employer.pk)
    return render(request, "employers/contact_form.html", {"employer": employer, "form": form})


# --- Job orders --------------------------------------------------------------


@_employer_form_page
def job_order_create(request, employer: Employer):
    form = JobOrderForm(request.POST or None)
    order = _submit(
        request, form, partial(services.job_order_create, actor=request.user, employer=employer)
    )
    if order is not None:
        messages.success(request, _("Jobbordern är registrerad."))
        return redirect("employers:job_order", order_pk=order.pk)
    return render(
        request,
        "employers/job_order_form.html",
        {"employer": employer, "form": form, "job_order": None},
    )


@casework_required
@require_GET
def job_order_list(request):
    """Job orders by status, the open ones unless another status is
    chosen. The filter holds a status only."""
    form = JobOrderFilterForm(request.GET or None)
    orders = selectors.job_order_list(request.user, status=form.status_wanted())
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "employers/job_orders.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate()},
    )


@casework_required
@require_GET
def job_order_detail(request, order_pk: int):
    order = selectors.job_order_get(request.user, order_pk)
    return render(
        request,
        "employers/job_order.html",
        {
            "job_order": order,
            "employer": order.employer,
            "placements": selectors.job_order_placements(order, request.user),
        },
    )


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_order_edit(request, order_pk: int):
    order = selectors.job_order_get(request.user, order_pk)
    form = JobOrderEditForm(
        request.POST or None,
        initial=_initial(order, JobOrderEditForm),
    )
    if _submit(
        request, form, partial(services.job_order_update, actor=request.user, job_order=order)
    ):
        messages.success(request, _("Jobbordern är sparad."))
        return redirect("employers:job_order", order_pk=order.pk)
    return render(
        request,
        "employers/job_order_form.html",
        {"employer": order.employer, "form": form, "job_order": order},
    )


# --- Workbooks ---------------------------------------------------------------


def _xlsx_response(write, queryset, name: str, *, detail: str, object_type: str, request):
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = write(queryset, spool)
    spool.seek(0)
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        object_type=object_type,
        detail=f"{detail}, {count} rader",
    )
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


@casework_required
@require_GET
def employers_export(request):
    """Every live employer as a workbook (an *export* event: it holds sole
    traders' numbers)."""
    return _xlsx_response(
        export_employers,
        selectors.employer_list(request.user),
        "arbetsgivare",
        detail="arbetsgivare",
        object_type="employers.employer",
        request=request,
    )


@casework_required
@require_GET
def job_orders_export(request):
    """The job orders of the list's status filter as a workbook."""
    form = JobOrderFilterForm(request.GET or None)
    return _xlsx_response(
        export_job_orders,
        selectors.job_order_list(request.user, status=form.status_wanted()),
        "jobborder",
        detail="jobborder",
        object_type="employers.joborder",
        request=request,
    )


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def employers_import(request):
    """Upload an employer workbook. All rows or none are imported; every
    problem is shown with its row and column."""
    result = None
    form = EmployerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = workbook_import(form.cleaned_data["file"], actor=request.user)
        if result.ok:
            messages.success(
                request,
                _("%(n)s arbetsgivare importerades.") % {"n": result.created},
            )
            return redirect("employers:list")
    return render(
        request,
        "employers/import.html",
        {
            "form": form,
            "result": result,
            "headers": EMPLOYER_HEADERS,
            "extra_headers": EMPLOYER_EXTRA,
        },
    )


# --- The participant's Arbetsgivare tab and placements -----------------------


@casework_required
@require_GET
def participant_tab(request, pk: int):
    """The participant's placements (and, from matching, their job orders)."""
    participant = participant_for_page(request, pk)
    context = participant_header_context(request, participant, PARTICIPANT_TAB)
    context.update(
        {"placements": selectors.placements_for(participant), "today": timezone.localdate()}
    )
    return render(request, "employers/participant_tab.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def placement_create(request, pk: int):
    """A new placement, in two steps: the employer (its id, in the query
    string), then the placement at that employer (the id posted along)."""
    participant = participant_for_page(request, pk, edit=True)
    context = participant_header_context(request, participant, PARTICIPANT_TAB)
    source = request.POST if request.method == "POST" else request.GET
    chooser = PlacementEmployerForm(source if "employer" in source else None)
    if not chooser.is_bound or not chooser.is_valid():
        context["chooser"] = chooser
        return render(request, "employers/placement_form.html", context)
    employer = chooser.cleaned_data["employer"]
    form = PlacementForm(
        request.POST or None,
        employer=employer,
        participant=participant,
        initial={"start_date": timezone.localdate()},
    )
    if _submit(
        request,
        form,
        partial(
            services.placement_create,
            actor=request.user,
            participant=participant,
            employer=employer,
        ),
    ):
        messages.success(request, _("Placeringen är registrerad."))
        return redirect(PARTICIPANT_TAB, pk=participant.pk)
    context.update({"employer": employer, "form": form})
    return render(request, "employers/placement_form.html", context)


def _placement_page(request, participant, placement, *, form=None, follow_up_form=None, status=200):
    context = participant_header_context(request, participant, PARTICIPANT_TAB)
    context.update(
        {
            "placement": placement,
            "form": form
            or PlacementEditForm(
                employer=placement.employer,
                initial=_initial(placement, PlacementEditForm),
            ),
            "follow_ups": selectors.placement_follow_ups(placement),
            "follow_up_form": follow_up_form
            or PlacementFollowUpForm(initial={"date": timezone.localdate()}),
        }
    )
    return render(request, "employers/placement.html", context, status=status)


_PLACEMENT_RELATED = (
    "employer",
    "job_order",
    "supervisor",
    "intervention__activity",
    "move__category",
    "created_by",
)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def placement_edit(request, pk: int, placement_pk: int):
    """One placement: its details to change, and its follow-up meetings."""
    participant, placement = record_for_page(
        request, pk, Placement.objects.select_related(*_PLACEMENT_RELATED), placement_pk
    )
    if request.method != "POST":
        return _placement_page(request, participant, placement)
    form = PlacementEditForm(request.POST, employer=placement.employer)
    if _submit(
        request, form, partial(services.placement_update, actor=request.user, placement=placement)
    ):
        messages.success(request, _("Placeringen är sparad."))
        return redirect("employers:placement_edit", pk=participant.pk, placement_pk=placement.pk)
    return _placement_page(request, participant, placement, form=form)


@casework_required
@require_POST
def placement_follow_up(request, pk: int, placement_pk: int):
    """Record a follow-up meeting of the placement."""
    participant, placement = record_for_page(
        request, pk, Placement.objects.select_related(*_PLACEMENT_RELATED), placement_pk
    )
    form = PlacementFollowUpForm(request.POST)
    if _submit(
        request,
        form,
        partial(services.placement_follow_up_record, actor=request.user, placement=placement),
    ):
        messages.success(request, _("Uppföljningen är registrerad."))
        return redirect("employers:placement_edit", pk=participant.pk, placement_pk=placement.pk)
    return _placement_page(request, participant, placement, follow_up_form=form)
