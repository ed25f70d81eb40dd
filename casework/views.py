"""The participant tabs Insatser, Journal and Flaggor, and the flag list."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from participants import selectors as participant_selectors
from participants.views import participant_for_page, participant_header_context, record_for_page
from rattinsats.drafts import accepts_form_draft, draft_claim
from rattinsats.forms import add_validation_errors
from rattinsats.models import Organisation
from rattinsats.permissions import casework_required

from . import selectors, services
from .forms import (
    FlagFilterForm,
    FlagForm,
    InterventionEditForm,
    InterventionForm,
    JournalNoteForm,
)
from .models import Flag, Intervention, JournalNote

FLAG_PAGE_SIZE = 50


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
    participant = participant_for_page(request, pk)
    form = InterventionForm(
        request.POST or None, initial={"start_date": timezone.localdate()}, prefix="new"
    )
    if _submit(
        request,
        form,
        partial(services.intervention_create, actor=request.user, participant=participant),
    ):
        messages.success(request, _("Insatsen är registrerad."))
        return redirect("casework:interventions", pk=participant.pk)
    context = participant_header_context(request, participant, "casework:interventions")
    context.update(
        {
            "interventions": selectors.interventions_for(participant),
            "form": form,
            "today": timezone.localdate(),
        }
    )
    return render(request, "casework/interventions.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def intervention_edit(request, pk: int, intervention_pk: int):
    participant, intervention = record_for_page(
        request, pk, Intervention.objects.select_related("activity"), intervention_pk
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
        partial(services.intervention_update, actor=request.user, intervention=intervention),
    ):
        messages.success(request, _("Insatsen är sparad."))
        return redirect("casework:interventions", pk=participant.pk)
    context = participant_header_context(request, participant, "casework:interventions")
    context.update({"intervention": intervention, "form": form})
    return render(request, "casework/intervention_edit.html", context)


@accepts_form_draft
@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_journal(request, pk: int):
    participant = participant_for_page(request, pk)
    form = JournalNoteForm(
        # A note posted after the session ended comes back after the login.
        request.POST or draft_claim(request),
        initial={"kind": JournalNote.Kind.DAY, "happened_on": timezone.localdate()},
    )
    if _submit(
        request,
        form,
        partial(services.journal_note_create, actor=request.user, participant=participant),
    ):
        messages.success(request, _("Anteckningen är sparad."))
        return redirect("casework:journal", pk=participant.pk)
    context = participant_header_context(request, participant, "casework:journal")
    context.update({"notes": selectors.journal_for(participant), "form": form})
    return render(request, "casework/journal.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def journal_correct(request, pk: int, note_pk: int):
    participant, note = record_for_page(
        request, pk, JournalNote.objects.select_related("author"), note_pk
    )
    form = JournalNoteForm(
        request.POST or None,
        initial={"kind": note.kind, "happened_on": note.happened_on, "text": note.text},
    )
    if _submit(
        request,
        form,
        partial(
            services.journal_note_create, actor=request.user, participant=participant, corrects=note
        ),
    ):
        messages.success(request, _("Rättelsen är sparad."))
        return redirect("casework:journal", pk=participant.pk)
    context = participant_header_context(request, participant, "casework:journal")
    context.update({"note": note, "form": form})
    return render(request, "casework/journal_correct.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_flags(request, pk: int):
    participant = participant_for_page(request, pk)
    form = FlagForm(request.POST or None)
    if _submit(
        request,
        form,
        partial(
            services.flag_create, actor=request.user, participant=participant, kind=Flag.Kind.MANUAL
        ),
    ):
        messages.success(request, _("Flaggan är skapad."))
        return redirect("casework:participant_flags", pk=participant.pk)
    consents = participant_selectors.consents_for(participant)
    context = participant_header_context(
        request, participant, "casework:participant_flags", consents=consents
    )
    flags = selectors.flags_for(participant)
    _with_usual_way(flags)
    today = timezone.localdate()
    covered = {o.pk for c in consents if c.is_valid_on(today) for o in c.organisations.all()}
    not_covered = [o for o in Organisation.objects.all() if o.pk not in covered]
    context.update(
        {"flags": flags, "form": form, "not_covered": not_covered, "ways": Flag.SentVia.choices}
    )
    return render(request, "casework/participant_flags.html", context)


def _with_usual_way(flags) -> None:
    """The way each flag is most likely sent, chosen first in its form."""
    for flag in flags:
        flag.usual_way = services.flag_usual_way(flag.organisation)


@casework_required
@require_POST
def flag_status(request, pk: int, flag_pk: int):
    """Mark a flag sent (with how) or acknowledged."""
    participant, flag = record_for_page(
        request, pk, Flag.objects.select_related("organisation"), flag_pk
    )
    status = request.POST.get("status", "")
    try:
        if status == Flag.Status.SENT:
            services.flag_send(actor=request.user, flag=flag, via=request.POST.get("via", ""))
        elif status == Flag.Status.DONE:
            services.flag_acknowledge(actor=request.user, flag=flag)
        else:
            # Withdrawing needs a reason and happens where one is given (an
            # undone closure); anything else is refused with its reason.
            services.flag_set_status(actor=request.user, flag=flag, status=status)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Flaggan har nu status ”%(status)s”.") % {"status": flag.get_status_display()},
        )
    if request.POST.get("back") == "list":
        return redirect("casework:flags")
    return redirect("casework:participant_flags", pk=participant.pk)


@casework_required
@require_GET
def flag_list(request):
    """Flags of the user's participants by organisation and state, those to
    send by default. The filter holds only an organisation's id and a state,
    never personal data."""
    form = FlagFilterForm(request.GET or None)
    organisation = form.cleaned_data["organisation"] if form.is_valid() else None
    flags = selectors.flag_list(
        request.user, organisation=organisation, status=form.status_wanted()
    )
    page = Paginator(flags, FLAG_PAGE_SIZE).get_page(request.GET.get("page"))
    _with_usual_way(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/flags.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "ways": Flag.SentVia.choices,
        },
    )


@casework_required
@require_GET
def tasks(request):
    """Start page for the project team: the open tasks, what the cases call
    for (consents, stepwise moves, flags) and the latest news."""
    today = timezone.localdate()
    open_tasks = list(participant_selectors.tasks_open_for(request.user)[:200])
    follow_ups = [t for t in open_tasks if t.kind == t.Kind.FOLLOW_UP]
    other_tasks = [t for t in open_tasks if t.kind != t.Kind.FOLLOW_UP]
    notifications = list(request.user.notifications.all()[:10])
    return render(
        request,
        "casework/tasks.html",
        {
            "tasks": other_tasks,
            "follow_ups": follow_ups,
            "reminders": selectors.reminders_for(request.user, today),
            "notifications": notifications,
            "today": today,
        },
    )
