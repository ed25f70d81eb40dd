"""The participant tabs Insatser, Journal and Flaggor, and the flag list."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rattinsats.audit import Action
from rattinsats.forms import add_validation_errors
from rattinsats.models import Organisation
from rattinsats.permissions import casework_required

from . import casework, casework_selectors, selectors, services
from .forms_casework import (
    FlagFilterForm,
    FlagForm,
    InterventionEditForm,
    InterventionForm,
    JournalNoteForm,
)
from .models import Flag, Intervention, JournalNote
from .views import participant_header_context

FLAG_PAGE_SIZE = 50


def _participant_for(request, pk):
    """The participant of a tab page: a read logs a view, a POST leaves the
    audit event to the service and needs the right to change the case."""
    participant = selectors.participant_get_for_user(
        request.user, pk, action=None if request.method == "POST" else Action.VIEW
    )
    if request.method == "POST" and not selectors.user_can_change(request.user, participant):
        raise PermissionDenied
    return participant


def _submit(request, form, write) -> bool:
    """For a valid POST, call ``write(**form.cleaned_data)``; a service's
    refusal lands on the form. True when saved."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write(**form.cleaned_data)
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return False
    return True


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_interventions(request, pk: int):
    participant = _participant_for(request, pk)
    form = InterventionForm(
        request.POST or None, initial={"start_date": timezone.localdate()}, prefix="new"
    )
    if _submit(
        request,
        form,
        partial(casework.intervention_create, actor=request.user, participant=participant),
    ):
        messages.success(request, _("Insatsen är registrerad."))
        return redirect("participants:interventions", pk=participant.pk)
    context = participant_header_context(request, participant, "participants:interventions")
    context.update(
        {
            "interventions": casework_selectors.interventions_for(participant),
            "form": form,
            "today": timezone.localdate(),
        }
    )
    return render(request, "participants/interventions.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def intervention_edit(request, pk: int, intervention_pk: int):
    participant = _participant_for(request, pk)
    if not selectors.user_can_change(request.user, participant):
        raise PermissionDenied
    intervention = get_object_or_404(
        Intervention.objects.select_related("activity"), pk=intervention_pk, participant=participant
    )
    form = InterventionEditForm(
        request.POST or None,
        initial={
            "version": intervention.version,
            "start_date": intervention.start_date,
            "end_date": intervention.end_date,
            "notes": intervention.notes,
        },
    )
    if _submit(
        request,
        form,
        partial(casework.intervention_update, actor=request.user, intervention=intervention),
    ):
        messages.success(request, _("Insatsen är sparad."))
        return redirect("participants:interventions", pk=participant.pk)
    context = participant_header_context(request, participant, "participants:interventions")
    context.update({"intervention": intervention, "form": form})
    return render(request, "participants/intervention_edit.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_journal(request, pk: int):
    participant = _participant_for(request, pk)
    form = JournalNoteForm(
        request.POST or None,
        initial={"kind": JournalNote.Kind.DAY, "happened_on": timezone.localdate()},
    )
    if _submit(
        request,
        form,
        partial(casework.journal_note_create, actor=request.user, participant=participant),
    ):
        messages.success(request, _("Anteckningen är sparad."))
        return redirect("participants:journal", pk=participant.pk)
    context = participant_header_context(request, participant, "participants:journal")
    context.update({"notes": casework_selectors.journal_for(participant), "form": form})
    return render(request, "participants/journal.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def journal_correct(request, pk: int, note_pk: int):
    participant = _participant_for(request, pk)
    if not selectors.user_can_change(request.user, participant):
        raise PermissionDenied
    note = get_object_or_404(
        JournalNote.objects.select_related("author"), pk=note_pk, participant=participant
    )
    form = JournalNoteForm(
        request.POST or None,
        initial={"kind": note.kind, "happened_on": note.happened_on, "text": note.text},
    )
    if _submit(
        request,
        form,
        partial(
            casework.journal_note_create, actor=request.user, participant=participant, corrects=note
        ),
    ):
        messages.success(request, _("Rättelsen är sparad."))
        return redirect("participants:journal", pk=participant.pk)
    context = participant_header_context(request, participant, "participants:journal")
    context.update({"note": note, "form": form})
    return render(request, "participants/journal_correct.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_flags(request, pk: int):
    participant = _participant_for(request, pk)
    form = FlagForm(request.POST or None)
    if _submit(
        request,
        form,
        partial(
            services.flag_create, actor=request.user, participant=participant, kind=Flag.Kind.MANUAL
        ),
    ):
        messages.success(request, _("Flaggan är skapad."))
        return redirect("participants:participant_flags", pk=participant.pk)
    consents = selectors.consents_for(participant)
    context = participant_header_context(
        request, participant, "participants:participant_flags", consents=consents
    )
    flags = casework_selectors.flags_for(participant)
    for flag in flags:
        flag.next_status = casework.FLAG_NEXT_STATUS.get(flag.status)
    today = timezone.localdate()
    covered = {o.pk for c in consents if c.is_valid_on(today) for o in c.organisations.all()}
    not_covered = [o for o in Organisation.objects.all() if o.pk not in covered]
    context.update({"flags": flags, "form": form, "not_covered": not_covered})
    return render(request, "participants/participant_flags.html", context)


@casework_required
@require_POST
def flag_status(request, pk: int, flag_pk: int):
    participant = _participant_for(request, pk)
    flag = get_object_or_404(Flag, pk=flag_pk, participant=participant)
    try:
        casework.flag_set_status(
            actor=request.user, flag=flag, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Flaggan har nu status ”%(status)s”.") % {"status": flag.get_status_display()},
        )
    if request.POST.get("back") == "list":
        return redirect("participants:flags")
    return redirect("participants:participant_flags", pk=participant.pk)


@casework_required
@require_GET
def flag_list(request):
    """Flags of the user's participants per organisation, open ones first.
    The filter holds only an organisation's id, never personal data."""
    form = FlagFilterForm(request.GET or None)
    organisation, include_done = None, False
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        include_done = form.cleaned_data["include_done"]
    flags = casework_selectors.flag_list(
        request.user, organisation=organisation, include_done=include_done
    )
    page = Paginator(flags, FLAG_PAGE_SIZE).get_page(request.GET.get("page"))
    for flag in page.object_list:
        flag.next_status = casework.FLAG_NEXT_STATUS.get(flag.status)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "participants/flags.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@casework_required
@require_GET
def tasks(request):
    """Start page for the project team: the open tasks, what the cases call
    for (consents, stepwise moves, flags) and the latest news."""
    today = timezone.localdate()
    open_tasks = list(selectors.tasks_open_for(request.user)[:200])
    follow_ups = [t for t in open_tasks if t.kind == t.Kind.FOLLOW_UP]
    other_tasks = [t for t in open_tasks if t.kind != t.Kind.FOLLOW_UP]
    notifications = list(request.user.notifications.all()[:10])
    return render(
        request,
        "participants/tasks.html",
        {
            "tasks": other_tasks,
            "follow_ups": follow_ups,
            "reminders": casework_selectors.reminders_for(request.user, today),
            "notifications": notifications,
            "today": today,
        },
    )
