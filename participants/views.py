from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from participants.periods import period_of
from rattinsats.audit import Action, audit_log
from rattinsats.forms import add_validation_errors
from rattinsats.permissions import casework_required

from . import selectors, services
from .forms import ConsentForm, ParticipantSearchForm
from .models import Consent, Participant
from .overview import consent_and_tasks, overview_sections
from .selectors import M
from .tabs import tabs_for

PAGE_SIZE = 50
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


def participant_header_context(request, participant, tab: str, consents=None) -> dict:
    """What every tab of the participant page shows at the top."""
    today = timezone.localdate()
    if consents is None:
        consents = selectors.consents_for(participant)
    current = selectors.consent_current(consents, today)
    period = period_of(participant.start_date, today) if participant.is_active else None
    return {
        "participant": participant,
        "tabs": tabs_for(participant, tab),
        "consent_current": current,
        "consent_renewal_due": current is not None and (current.valid_until - today).days <= 30,
        "current_period": period,
        "can_change": selectors.user_can_change(request.user, participant),
    }


def _read_action(request) -> str | None:
    """A read (GET, HEAD) is logged as a view; on a write the service logs."""
    return Action.VIEW if request.method in ("GET", "HEAD") else None


def participant_for_page(request, pk: int, *, edit: bool = False) -> Participant:
    """The participant of a tab page, for every app's views. A read logs a
    view; a write (POST) needs the right to change the case and leaves the
    audit event to the service. ``edit``: the page itself is a form that
    only those who may change the case open."""
    if request.method in ("GET", "HEAD") and not edit:
        return selectors.participant_get_for_user(request.user, pk)
    return selectors.participant_get_for_change(request.user, pk, action=_read_action(request))


def record_for_page(request, pk: int, model: type[M] | QuerySet[M], record_pk: int):
    """A record of the participant's case (consent, intervention, note,
    flag) that the page changes: as :func:`participant_for_page` with
    ``edit``, and 404 for a record of another participant."""
    return selectors.record_get_for_change(
        request.user, pk, model, record_pk, action=_read_action(request)
    )


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_list(request):
    """My participants. The search term comes in a POST body, never in the URL."""
    if request.method == "POST":
        form = ParticipantSearchForm(request.POST)
    else:
        form = ParticipantSearchForm(initial={"q": ""})
    term = ""
    page_number = request.GET.get("page") or 1
    if request.method == "POST" and form.is_valid():
        term = form.cleaned_data["q"]
        page_number = form.cleaned_data["page"] or 1
    paginator = Paginator(selectors.participant_list(request.user, search=term), PAGE_SIZE)
    page = paginator.get_page(page_number)
    today = timezone.localdate()
    for p in page.object_list:
        p.current_period = period_of(p.start_date, today) if p.is_active else None
        p.consent_ok = p.consent_valid_until is not None and p.consent_valid_until >= today
    return render(
        request,
        "participants/list.html",
        {"form": form, "page": page, "term": term, "searching": bool(term)},
    )


@casework_required
@require_GET
def participant_detail(request, pk: int):
    participant = selectors.participant_get_for_user(request.user, pk)
    context = participant_header_context(request, participant, "participants:detail")
    today = timezone.localdate()
    context["consent_section"] = consent_and_tasks(participant, today, context["consent_current"])
    context["overview"] = overview_sections(participant, today)
    return render(request, "participants/detail.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def participant_consents(request, pk: int):
    participant = participant_for_page(request, pk)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consent_record(
                    actor=request.user, participant=participant, **form.service_data()
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Samtycket är registrerat."))
                return redirect("participants:consents", pk=participant.pk)
    consents = selectors.consents_for(participant)
    context = participant_header_context(
        request, participant, "participants:consents", consents=consents
    )
    context.update({"consents": consents, "form": form, "today": timezone.localdate()})
    return render(request, "participants/consents.html", context)


@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_withdraw(request, pk: int, consent_pk: int):
    """Ask for confirmation, then register that the person withdrew a consent."""
    participant, consent = record_for_page(request, pk, Consent, consent_pk)
    if request.method == "POST":
        try:
            services.consent_withdraw(actor=request.user, consent=consent)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Samtycket är återkallat."))
        return redirect("participants:consents", pk=participant.pk)
    context = participant_header_context(request, participant, "participants:consents")
    context["consent"] = consent
    return render(request, "participants/consent_withdraw.html", context)


@casework_required
@require_POST
def task_done(request, task_pk: int):
    task = selectors.task_get_for_change(request.user, task_pk)
    services.task_complete(actor=request.user, task=task)
    messages.success(request, _("Uppgiften är markerad som klar."))
    return redirect("casework:tasks")


@casework_required
@require_GET
def consent_document(request, pk: int, consent_pk: int):
    """The signed consent form, to those who may see the participant."""
    participant = selectors.participant_get_for_user(request.user, pk, action=None)
    consent = get_object_or_404(Consent, pk=consent_pk, participant=participant)
    if not consent.document:
        raise Http404
    audit_log(actor=request.user, action=Action.VIEW, obj=consent, detail="samtyckesblankett")
    extension = consent.document.name.rsplit(".", 1)[-1].lower()
    return FileResponse(
        consent.document.open("rb"),
        as_attachment=True,
        filename=f"samtycke-{consent.pk}.{extension}",
        content_type=DOCUMENT_TYPES.get(extension, "application/octet-stream"),
    )
