import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employers.weekly import meeting_employers
from participants.models import Gender
from rattinsats.audit import Action, audit_log
from rattinsats.drafts import accepts_form_draft, draft_claim
from rattinsats.forms import add_validation_errors
from rattinsats.permissions import (
    casework_required,
    counsellor_required,
    deny,
    employment_officer_required,
)
from rattinsats.uploads import CONTENT_TYPES

from . import allocation, selectors, services
from .forms import AllocationForm, CheckForm, InformationCallForm, MeetingNotesForm, ReferralForm
from .models import Referral


@counsellor_required
@require_GET
def mine(request):
    """The counsellor's start page: their referrals with status and dates."""
    referrals = selectors.referrals_of_counsellor(request.user)
    return render(
        request,
        "referrals/mine.html",
        {"referrals": referrals, "may_refer": services.may_refer(request.user)},
    )


@accepts_form_draft
@counsellor_required
@require_http_methods(["GET", "HEAD", "POST"])
def new(request):
    if not services.may_refer(request.user):
        deny(request)
    if request.method == "POST":
        form = ReferralForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                referral = services.referral_submit(actor=request.user, **data)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                return redirect("referrals:receipt", pk=referral.pk)
    elif (draft := draft_claim(request)) is not None:
        # Sent after the session ended: the input again (never a file), to
        # review and send; the submission key keeps a double send single.
        form = ReferralForm(draft)
    else:
        form = ReferralForm(
            initial={"submission_key": uuid.uuid4(), "consent_signed_on": timezone.localdate()}
        )
    return render(request, "referrals/new.html", {"form": form})


@counsellor_required
@require_GET
def receipt(request, pk: int):
    """What the counsellor sent; after acceptance only the status."""
    referral = selectors.referral_get_for_user(request.user, pk)
    return render(request, "referrals/receipt.html", {"referral": referral})


@employment_officer_required
@require_GET
def inbox(request):
    groups = selectors.referral_inbox()
    return render(
        request,
        "referrals/inbox.html",
        {
            "received": groups[Referral.Status.RECEIVED],
            "ready": groups[Referral.Status.READY],
            "allocated": groups[Referral.Status.ALLOCATED],
        },
    )


@casework_required
@require_GET
def detail(request, pk: int):
    """The referral as the employment officer and the responsible staff
    member see it, with the officer's next step."""
    referral = selectors.referral_get_for_user(request.user, pk)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


def _detail_context(request, referral, *, check_form=None, call_form=None):
    is_officer = request.user.is_employment_officer
    return {
        "referral": referral,
        "consent_organisations": list(referral.consent_organisations.all()),
        "check_form": check_form
        or (CheckForm() if is_officer and referral.status == Referral.Status.RECEIVED else None),
        "call_form": call_form
        or (
            InformationCallForm(initial={"start_date": timezone.localdate()})
            if is_officer and referral.status == Referral.Status.ALLOCATED
            else None
        ),
    }


@employment_officer_required
@require_POST
def check(request, pk: int):
    referral = selectors.referral_get_for_user(request.user, pk, action=None)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            services.referral_check(actor=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            if form.cleaned_data["has_other_intervention"]:
                messages.success(request, _("Anvisningen är returnerad till anvisaren."))
            else:
                messages.success(request, _("Anvisningen är klar för fördelning på veckomötet."))
            return redirect("referrals:inbox")
    return render(
        request,
        "referrals/detail.html",
        _detail_context(request, referral, check_form=form),
    )


@employment_officer_required
@require_POST
def information_call(request, pk: int):
    referral = selectors.referral_get_for_user(request.user, pk, action=None)
    form = InformationCallForm(request.POST)
    if form.is_valid():
        try:
            referral = services.referral_information_call(
                actor=request.user, referral=referral, **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            if referral.status == Referral.Status.ACCEPTED:
                messages.success(
                    request,
                    _("Personen är nu deltagare och överlämnad till %(name)s.")
                    % {"name": referral.responsible},
                )
            else:
                messages.success(request, _("Svaret är registrerat och anvisaren är meddelad."))
            return redirect("referrals:inbox")
    return render(
        request, "referrals/detail.html", _detail_context(request, referral, call_form=form)
    )


@require_GET
def consent_document(request, pk: int):
    """The signed consent form, only to those entitled to it."""
    referral = selectors.referral_get_for_user(request.user, pk, action=None)
    if not referral.consent_document or not selectors.may_see_consent_document(
        request.user, referral
    ):
        deny(request, object_type="referrals.referral", object_id=pk)
    audit_log(actor=request.user, action=Action.VIEW, obj=referral, detail="samtyckesblankett")
    extension = referral.consent_document.name.rsplit(".", 1)[-1]
    return FileResponse(
        referral.consent_document.open("rb"),
        as_attachment=True,
        filename=f"samtycke-anvisning-{referral.pk}.{extension}",
        content_type=referral.consent_document_type
        or CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


# --- The weekly meeting ---------------------------------------------------------


def _week_start(year: int, week: int) -> datetime.date:
    try:
        return datetime.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise Http404 from None


@casework_required
@require_GET
def meeting_current(request):
    return _meeting_page(request, selectors.current_week_start(timezone.localdate()))


@casework_required
@require_GET
def meeting(request, year: int, week: int):
    return _meeting_page(request, _week_start(year, week))


def _meeting_figures(load: allocation.StaffLoad) -> dict[str, object]:
    """One staff member's figures for the meeting's table: cases, cases per
    full post, women / men / other, and each age group (in the columns'
    order)."""
    return {
        "caseload": load.caseload,
        "per_full_time": allocation.per_full_time(load.caseload, load.capacity),
        "genders": [load.genders.get(g, 0) for g in (Gender.WOMAN, Gender.MAN, Gender.OTHER)],
        "ages": [load.age_groups.get(label, 0) for _upper, label in allocation.AGE_GROUPS],
    }


def _meeting_page(request, week_start, *, notes_form=None, allocation_form=None):
    today = timezone.localdate()
    current = selectors.current_week_start(today)
    meeting = selectors.meeting_for_week(week_start)
    staff = selectors.allocatable_staff()
    loads = selectors.staff_loads(staff, today)
    is_current = week_start == current
    if allocation_form is not None:
        ready = allocation_form.referrals  # as posted, with their errors
    else:
        ready = selectors.referrals_ready() if is_current else []
    proposal = allocation.propose_allocation([selectors.case_for(r, today) for r in ready], loads)
    if allocation_form is None and ready:
        allocation_form = AllocationForm(
            referrals=ready, staff=staff, proposal=proposal.assignments
        )
    openable = selectors.referral_ids_openable(request.user, ready)
    for referral in ready:
        referral.age = selectors.age_of(referral, today)
        referral.bound_field = allocation_form[referral.field_name]
        referral.may_open = referral.pk in openable
    staff_rows = [
        {
            "user": user,
            # Now, and (with referrals to allocate) after the proposal.
            "states": [(_("Nu"), _meeting_figures(load))]
            + (
                [(_("Efter förslaget"), _meeting_figures(proposal.after.get(user.pk, load)))]
                if ready
                else []
            ),
        }
        for user, load in zip(staff, loads, strict=True)
    ]
    if notes_form is None:
        notes_form = MeetingNotesForm(
            initial={
                "version": meeting.version,
                "supervision_notes": meeting.supervision_notes,
                "employer_notes": meeting.employer_notes,
                "development_notes": meeting.development_notes,
            }
        )
    iso_year, iso_week, _day = week_start.isocalendar()
    previous = week_start - datetime.timedelta(days=7)
    following = week_start + datetime.timedelta(days=7)
    return render(
        request,
        "referrals/meeting.html",
        {
            "meeting": meeting,
            "week_start": week_start,
            "week_end": week_start + datetime.timedelta(days=6),
            "iso_year": iso_year,
            "iso_week": iso_week,
            "is_current": is_current,
            "ready": ready,
            "allocated": selectors.referrals_allocated_at(meeting),
            "staff_rows": staff_rows,
            "allocation_form": allocation_form,
            "notes_form": notes_form,
            # The item "Arbetsgivare och jobborder", from the data.
            "employers": meeting_employers(
                request.user, week_start, today=today, current=is_current
            ),
            "age_groups": [label for _upper, label in allocation.AGE_GROUPS],
            "recent": selectors.meetings_recent(before=current),
            "previous": previous.isocalendar()[:2],
            "following": following.isocalendar()[:2] if following <= current else None,
        },
    )


@casework_required
@require_POST
def meeting_notes(request, year: int, week: int):
    week_start = _week_start(year, week)
    form = MeetingNotesForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_notes_save(
                actor=request.user, week_start=week_start, **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Anteckningarna är sparade."))
            return redirect("referrals:meeting", year=year, week=week)
    return _meeting_page(request, week_start, notes_form=form)


@casework_required
@require_POST
def meeting_allocate(request, year: int, week: int):
    week_start = _week_start(year, week)
    if week_start != selectors.current_week_start(timezone.localdate()):
        messages.error(request, _("Fördelning görs på innevarande veckas möte."))
        return redirect("referrals:meeting_current")
    ready = selectors.referrals_ready()
    staff = selectors.allocatable_staff()
    form = AllocationForm(request.POST, referrals=ready, staff=staff, proposal={})
    if form.is_valid():
        try:
            allocated = services.meeting_allocate(
                actor=request.user, week_start=week_start, assignments=form.assignments()
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                _("Fördelningen är bekräftad: %(n)s anvisningar har fått ansvarig.")
                % {"n": len(allocated)},
            )
            return redirect("referrals:meeting", year=year, week=week)
    return _meeting_page(request, week_start, allocation_form=form)
