"""The pages of matching: the buttons of an order's proposals and matches
(shown on the order's page and the participant's Arbetsgivare tab, see
``templatetags/employer_matching.py``) and one match's page with its steps
(confirm, dismiss, present, outcome). Thin: the services in ``matching``
decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from participants.selectors import participant_get_for_change
from participants.views import participant_for_page
from rattinsats.forms import add_validation_errors
from rattinsats.permissions import casework_required

from . import matching
from .forms_matching import MatchAddForm, MatchStepForm
from .models import JobOrder, Match
from .selectors import job_order_get


def _order(request, order_pk: int) -> JobOrder:
    return job_order_get(request.user, order_pk)


def _back(request, order: JobOrder):
    """Back where the button was pressed (the order's page or the
    participant's tab), never to another site; else the order's page."""
    target = request.POST.get("next", "")
    # A path of this site only; never handed to redirect(), which would try
    # it as a view name.
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return redirect("employers:job_order", order_pk=order.pk)


@casework_required
@require_POST
def match_propose(request, order_pk: int):
    order = _order(request, order_pk)
    try:
        result = matching.match_propose(actor=request.user, job_order=order)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.created:
            messages.success(
                request,
                ngettext(
                    "%(n)s ny deltagare föreslås för ordern.",
                    "%(n)s nya deltagare föreslås för ordern.",
                    len(result.created),
                )
                % {"n": len(result.created)},
            )
        else:
            messages.info(request, _("Inga nya deltagare passar ordern just nu."))
        if result.removed:
            messages.info(
                request,
                ngettext(
                    "%(n)s förslag passade inte längre och togs bort.",
                    "%(n)s förslag passade inte längre och togs bort.",
                    result.removed,
                )
                % {"n": result.removed},
            )
    return _back(request, order)


@casework_required
@require_POST
def match_add(request, order_pk: int):
    order = _order(request, order_pk)
    form = MatchAddForm(
        request.POST,
        participants=matching.available_participants(request.user, timezone.localdate()),
    )
    if form.is_valid():
        participant = participant_get_for_change(request.user, form.cleaned_data["participant"].pk)
        try:
            matching.match_add(
                actor=request.user,
                job_order=order,
                participant=participant,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Deltagaren är tillagd på ordern."))
            return _back(request, order)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _back(request, order)


def _match_for_page(request, order_pk: int, match_pk: int) -> Match:
    """The match, once the participant is fetched as every participant
    page fetches them: a read logs a view, a write needs the right to
    change the case; 404 to anyone who may not see the participant."""
    participant_id = matching.match_participant_id(request.user, order_pk, match_pk)
    participant = participant_for_page(request, participant_id)
    return matching.match_of(participant, match_pk)


def _detail(request, match: Match, form: MatchStepForm | None = None, status: int = 200):
    today = timezone.localdate()
    participant = match.participant
    mapping = getattr(participant, "mapping_document", None)
    return render(
        request,
        "employers/matching/match_detail.html",
        {
            "match": match,
            "order": match.job_order,
            "participant": participant,
            "next_steps": matching.match_next_statuses(match),
            "consent": matching.presentation_consent(participant, today),
            "presentation_wish": mapping.employer_presentation if mapping else "",
            "form": form or MatchStepForm(initial={"version": match.version}),
            "Status": Match.Status,
            "order_open": matching.order_is_open(match.job_order, today),
        },
        status=status,
    )


@casework_required
@require_GET
def match_detail(request, order_pk: int, match_pk: int):
    return _detail(request, _match_for_page(request, order_pk, match_pk))


STEP_MESSAGES = {
    "confirm": gettext_lazy("Förslaget är bekräftat."),
    "dismiss": gettext_lazy("Förslaget är avfärdat."),
    "present": gettext_lazy("Presentationen för arbetsgivaren är registrerad."),
    Match.Status.INTERVIEW: gettext_lazy("Intervjun är registrerad."),
    Match.Status.HIRED: gettext_lazy("Anställningen är registrerad."),
    Match.Status.NOT_CHOSEN: gettext_lazy("Utfallet är registrerat: inte vald."),
}


@casework_required
@require_POST
def match_status(request, order_pk: int, match_pk: int):
    """One step of the match, from the order's page, the participant's tab
    or the match's page; errors show on the match's page."""
    match = _match_for_page(request, order_pk, match_pk)
    form = MatchStepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        step, version = data["step"], data["version"]
        try:
            if step == "confirm":
                matching.match_confirm(actor=request.user, match=match, version=version)
            elif step == "dismiss":
                matching.match_dismiss(actor=request.user, match=match, version=version)
            elif step == "present":
                matching.match_present(actor=request.user, match=match, version=version)
            else:
                matching.match_outcome(
                    actor=request.user,
                    match=match,
                    version=version,
                    status=step,
                    placement_start=data["placement_start"],
                    placement_end=data["placement_end"],
                )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, str(STEP_MESSAGES[step]))
            return _back(request, match.job_order)
    # Refused: the match's page with the reason, the input kept.
    match = matching.match_of(match.participant, match.pk)
    return _detail(request, match, form, status=400)
