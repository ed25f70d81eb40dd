"""The *Avslut* tab: closure, its correction, the follow-up, the status at
start and end, labour-market trainings and the summary document."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from casework.services import ConsentMissing
from participants import selectors as participant_selectors
from participants.views import participant_for_page, participant_header_context
from rattinsats.forms import add_validation_errors
from rattinsats.models import Organisation
from rattinsats.permissions import casework_required

from . import services
from .forms import (
    ClosureForm,
    FollowUpForm,
    ReopenForm,
    StartStatusForm,
    SummaryForm,
    TrainingForm,
)
from .models import Closure, StatusSnapshot, SummaryDocument

TAB = "closure:tab"


def _page(request, participant, status=200, **forms):
    """Render the tab; ``forms`` replaces the blank form of the section the
    user just sent with errors."""
    today = timezone.localdate()
    closures = services.closures_for(participant)
    current = next((c for c in closures if c.is_current), None)
    if current is not None:
        try:
            current.follow_up_record = current.follow_up
        except ObjectDoesNotExist:
            current.follow_up_record = None
    snapshots = services.status_snapshots_for(participant)
    start = snapshots.get(StatusSnapshot.Moment.START)
    summaries = services.summaries_for(participant)
    context = participant_header_context(request, participant, TAB)
    context.update(
        {
            "today": today,
            "closures": closures,
            "current_closure": current,
            "status_start": start,
            "status_end": snapshots.get(StatusSnapshot.Moment.END),
            "trainings": list(participant.labour_market_trainings.select_related("recorded_by")),
            "summaries": summaries,
            "extended_support_latest": services.extended_support_latest(current)
            if current
            else None,
            "follow_up_earliest": services.follow_up_earliest(current) if current else None,
            "closure_form": forms.get("closure_form") or ClosureForm(initial={"closed_on": today}),
            "start_form": forms.get("start_form")
            or StartStatusForm(
                initial={
                    "employment_status": start.employment_status,
                    "income_source": start.income_source,
                }
                if start
                else None
            ),
            "follow_up_form": forms.get("follow_up_form")
            or FollowUpForm(initial={"followed_up_on": today}),
            "reopen_form": forms.get("reopen_form") or ReopenForm(),
            "training_form": forms.get("training_form") or TrainingForm(),
            "summary_form": forms.get("summary_form")
            or SummaryForm(initial={"text": summaries[0].text} if summaries else None),
        }
    )
    return render(request, "closure/closure.html", context, status=status)


def _submit(request, participant, form, form_name, call, success):
    """Validate ``form``, call the service, and either redirect with a
    message or show the tab again with the errors and the user's input."""
    if form.is_valid():
        try:
            outcome = call(form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            if success:
                messages.success(request, success)
            return outcome
    return _page(request, participant, **{form_name: form})


@casework_required
@require_GET
def closure_tab(request, pk: int):
    participant = participant_for_page(request, pk)
    return _page(request, participant)


@casework_required
@require_POST
def closure_close(request, pk: int):
    participant = participant_for_page(request, pk)
    form = ClosureForm(request.POST)

    def close(data):
        closure = services.participant_close(actor=request.user, participant=participant, **data)
        missing = [o.name for o in closure.flags_missing.all()]
        if missing:
            messages.warning(
                request,
                _(
                    "Avslutet kunde inte flaggas till %(orgs)s eftersom giltigt samtycke saknas. "
                    "Skicka flaggan från fliken Avslut när samtycket finns."
                )
                % {"orgs": ", ".join(missing)},
            )
        return redirect(TAB, pk=participant.pk)

    return _submit(request, participant, form, "closure_form", close, _("Deltagandet är avslutat."))


@casework_required
@require_POST
def closure_flag_send(request, pk: int, org_pk: int):
    participant = participant_for_page(request, pk)
    closure = _current_closure(participant)
    organisation = get_object_or_404(Organisation, pk=org_pk)
    try:
        services.closure_flag_send(actor=request.user, closure=closure, organisation=organisation)
    except (ConsentMissing, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Avslutet är flaggat till %(org)s.") % {"org": organisation.name}
        )
    return redirect(TAB, pk=participant.pk)


def _section_view(form_class, form_name: str, service, success):
    """A POST view for one section of the tab: ``service(actor, participant,
    data)`` does the write; errors show the tab again with the input kept."""

    @casework_required
    @require_POST
    def view(request, pk: int):
        participant = participant_for_page(request, pk)
        form = form_class(request.POST)

        def call(data):
            service(request.user, participant, data)
            return redirect(TAB, pk=participant.pk)

        return _submit(request, participant, form, form_name, call, success)

    return view


def _current_closure(participant):
    return get_object_or_404(Closure, participant=participant, reopened_at__isnull=True)


closure_reopen = _section_view(
    ReopenForm,
    "reopen_form",
    lambda actor, participant, data: services.closure_reopen(
        actor=actor, participant=participant, reason=data["reason"]
    ),
    gettext_lazy("Avslutet är ångrat. Deltagandet är aktivt igen."),
)
follow_up_record = _section_view(
    FollowUpForm,
    "follow_up_form",
    lambda actor, participant, data: services.follow_up_record(
        actor=actor, closure=_current_closure(participant), **data
    ),
    gettext_lazy("Uppföljningen är registrerad."),
)
status_at_start = _section_view(
    StartStatusForm,
    "start_form",
    lambda actor, participant, data: services.status_at_start_record(
        actor=actor, participant=participant, **data
    ),
    gettext_lazy("Status vid start är sparad."),
)
training_record = _section_view(
    TrainingForm,
    "training_form",
    lambda actor, participant, data: services.labour_market_training_record(
        actor=actor, participant=participant, **data
    ),
    gettext_lazy("Arbetsmarknadsutbildningen är registrerad. Deltagandet fortsätter."),
)


def _pdf_response(pdf: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@casework_required
@require_POST
def summary_submit(request, pk: int):
    """Preview (``action=preview``) or finalise the summary document."""
    participant = participant_for_page(request, pk)
    form = SummaryForm(request.POST)
    if request.POST.get("action") == "preview":
        if form.is_valid():
            pdf = services.summary_preview(
                actor=request.user, participant=participant, text=form.cleaned_data["text"]
            )
            name = f"sammanfattning-{participant.pk}-utkast.pdf"
            return _pdf_response(pdf, name, attachment=False)
        return _page(request, participant, summary_form=form)

    def finalise(data):
        document = services.summary_finalise(
            actor=request.user, participant=participant, text=data["text"]
        )
        messages.success(
            request,
            _("Version %(version)s av den sammanfattande dokumentationen är sparad.")
            % {"version": document.version},
        )
        return redirect(TAB, pk=participant.pk)

    return _submit(request, participant, form, "summary_form", finalise, None)


@casework_required
@require_GET
def summary_download(request, pk: int, version: int):
    participant = participant_selectors.participant_get_for_user(request.user, pk, action=None)
    # Retention removed an anonymised participant's PDFs.
    document = get_object_or_404(
        SummaryDocument,
        participant=participant,
        participant__anonymised_at__isnull=True,
        version=version,
    )
    pdf = services.summary_download(actor=request.user, document=document)
    return _pdf_response(
        pdf, f"sammanfattning-{participant.pk}-version-{version}.pdf", attachment=True
    )
