import datetime
import html
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from participants import selectors as participant_selectors
from participants.periods import PERIOD_COUNT, period_bounds, period_label, period_of
from participants.views import participant_for_page, participant_header_context
from rattinsats.audit import Action
from rattinsats.drafts import accepts_form_draft, draft_claim
from rattinsats.forms import add_validation_errors
from rattinsats.permissions import casework_required
from rattinsats.xlsx import swedish_number

from . import selectors, services
from .columns import HEADERS, row_values
from .forms import GoalDocumentForm, MappingDocumentForm, MoveForm, overview_filters
from .models import GoalDocument, MappingDocument, SubGoalStatus
from .pdf import mapping_document_pdf
from .services import StaleVersion, move_problem

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _field_rows(form, document):
    """(label, value) for each field of a saved document, in form order."""
    rows = []
    for name, bound in form.fields.items():
        if name == "version":
            continue
        value = getattr(document, name, "") if document else ""
        display = getattr(document, f"get_{name}_display", None) if document else None
        if display is not None and value:
            value = display()
        rows.append((bound.label, value))
    return rows


def _revision_rows(revisions, form, fields):
    """History rows with the labels of the changed fields."""
    labels = {name: form.fields[name].label for name in fields if name in form.fields}
    choices = {
        name: dict(form.fields[name].choices)
        for name in labels
        if hasattr(form.fields[name], "choices")
    }
    rows = []
    for revision in revisions:
        changed = [name for name in revision.changed_fields if name in labels]
        rows.append(
            {
                "revision": revision,
                "changed": [str(labels[name]) for name in changed],
                "values": [
                    (
                        labels[name],
                        choices.get(name, {}).get(revision.data.get(name), "")
                        or revision.data.get(name),
                    )
                    for name in changed
                ],
            }
        )
    return rows


# --- Mapping document ----------------------------------------------------------


@accepts_form_draft
@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def mapping(request, pk: int):
    participant = participant_for_page(request, pk)
    document = selectors.mapping_document_for(participant)
    version = document.version if document else 0
    stale_document = None
    if request.method == "POST":
        form = MappingDocumentForm(request.POST, instance=MappingDocument())
        if form.is_valid():
            try:
                services.mapping_document_save(
                    actor=request.user,
                    participant=participant,
                    version=form.cleaned_data["version"],
                    **form.content(),
                )
            except StaleVersion as exc:
                stale_document = exc.current
                form = _stale_form(MappingDocumentForm, request.POST, exc)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Kartläggningen är sparad."))
                return redirect("mapping:mapping", pk=participant.pk)
        document = selectors.mapping_document_for(participant)
    elif (draft := draft_claim(request)) is not None:
        # Posted after the session ended: the input again, to review and save.
        form = MappingDocumentForm(draft, instance=MappingDocument())
    else:
        form = MappingDocumentForm(instance=document or MappingDocument(), version=version)
    shown = MappingDocumentForm()
    context = participant_header_context(request, participant, "mapping:mapping")
    context.update(
        {
            "form": form,
            "document": document,
            "saved_fields": _field_rows(shown, document),
            "stale": stale_document is not None,
            "history": _revision_rows(
                selectors.mapping_revisions_for(document), shown, MappingDocument.CONTENT_FIELDS
            ),
        }
    )
    return render(request, "mapping/mapping.html", context, status=409 if stale_document else 200)


def _stale_form(form_class, data, exc: StaleVersion):
    """The user's input again, with the refusal at the top and the newer
    version's number, so that a deliberate second save may replace it."""
    data = data.copy()
    data["version"] = exc.current.version
    form = form_class(data, instance=type(exc.current)())
    form.is_valid()
    form.add_error(None, exc.messages)
    return form


@casework_required
@require_GET
def mapping_pdf(request, pk: int):
    participant = participant_selectors.participant_get_for_user(
        request.user, pk, action=Action.EXPORT
    )
    document = selectors.mapping_document_for(participant)
    pdf = mapping_document_pdf(
        participant=participant,
        document=document,
        fields=_field_rows(MappingDocumentForm(), document),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kartlaggning-{participant.pk}.pdf"'
    return response


# --- Goal document and stepwise moves ------------------------------------------


def _periods(participant, moves, today):
    rows = []
    current = period_of(participant.start_date, today) if participant.is_active else None
    for k in range(1, PERIOD_COUNT + 1):
        first, last = period_bounds(participant.start_date, k)
        after_end = participant.end_date is not None and first > participant.end_date
        rows.append(
            {
                "k": k,
                "label": period_label(k),
                "first": first,
                "last": last,
                "move": moves.get(k),
                "current": k == current,
                "after_end": after_end,
                "future": first > today,
                "ended_without_move": last < today and k not in moves and not after_end,
                "needs_reason": k > 4,
            }
        )
    return rows


def _recordable(participant, today):
    periods = []
    for k in range(1, PERIOD_COUNT + 1):
        problem = move_problem(
            start_date=participant.start_date,
            end_date=participant.end_date,
            period=k,
            today=today,
            continuation_reason="-",
        )
        if problem is None:
            first, last = period_bounds(participant.start_date, k)
            periods.append((k, first, last))
    return periods


def _render_goals(request, participant, *, goal_form=None, move_form=None, stale=False):
    today = timezone.localdate()
    document = selectors.goal_document_for(participant)
    moves = selectors.moves_for(participant)
    recordable = _recordable(participant, today)
    if goal_form is None:
        goal_form = GoalDocumentForm(
            instance=document or GoalDocument(), version=document.version if document else 0
        )
    if move_form is None:
        current = next((k for k, first, last in recordable if first <= today <= last), "")
        move_form = MoveForm(periods=recordable, initial={"period": current})
    shown = GoalDocumentForm()
    context = participant_header_context(request, participant, "mapping:goals")
    context.update(
        {
            "goal_form": goal_form,
            "move_form": move_form,
            "document": document,
            "saved_fields": _field_rows(shown, document),
            "subgoals": _subgoals(document),
            "periods": _periods(participant, moves, today),
            "can_record": bool(recordable),
            "stale": stale,
            "history": _revision_rows(
                selectors.goal_revisions_for(participant), shown, GoalDocument.CONTENT_FIELDS
            ),
        }
    )
    return render(request, "mapping/goals.html", context, status=409 if stale else 200)


def _subgoals(document):
    if document is None:
        return []
    labels = dict(SubGoalStatus.choices)
    return [
        {
            "n": n,
            "text": getattr(document, f"delmal_{n}"),
            "status": getattr(document, f"delmal_{n}_status"),
            "status_label": labels.get(getattr(document, f"delmal_{n}_status"), ""),
        }
        for n in (1, 2, 3)
        if getattr(document, f"delmal_{n}")
    ]


@accepts_form_draft
@casework_required
@require_http_methods(["GET", "HEAD", "POST"])
def goals(request, pk: int):
    participant = participant_for_page(request, pk)
    if request.method != "POST":
        # Posted after the session ended: the input again, to review and save.
        draft = draft_claim(request)
        goal_form = GoalDocumentForm(draft, instance=GoalDocument()) if draft else None
        return _render_goals(request, participant, goal_form=goal_form)
    form = GoalDocumentForm(request.POST, instance=GoalDocument())
    if form.is_valid():
        try:
            services.goal_document_save(
                actor=request.user,
                participant=participant,
                version=form.cleaned_data["version"],
                **form.content(),
            )
        except StaleVersion as exc:
            form = _stale_form(GoalDocumentForm, request.POST, exc)
            return _render_goals(request, participant, goal_form=form, stale=True)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Måldokumentet är sparat."))
            return redirect("mapping:goals", pk=participant.pk)
    return _render_goals(request, participant, goal_form=form)


@casework_required
@require_POST
def move_record(request, pk: int):
    participant = participant_for_page(request, pk)
    today = timezone.localdate()
    form = MoveForm(request.POST, periods=_recordable(participant, today))
    if form.is_valid():
        try:
            services.move_record(actor=request.user, participant=participant, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                _("Förflyttningen för %(period)s är registrerad.")
                % {"period": period_label(form.cleaned_data["period"])},
            )
            return redirect("mapping:goals", pk=participant.pk)
    return _render_goals(request, participant, move_form=form)


# --- Overview, export and import -------------------------------------------------


# The overview's letters to jump to (last names from this letter on).
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ"
# The query's keys that say where a page starts (the rest are the filters).
PAGE_KEYS = ("efter", "fore", "bokstav", "page")


def _row_id(value) -> int | None:
    """A page's starting row from the query: a positive id, or None."""
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _goals_link() -> tuple[str, str]:
    """The goal document's URL around a participant's id: reversed once a
    page rather than once a row (some 70 µs each, fifty times a page)."""
    before, after = reverse("mapping:goals", args=[_ID_STANDIN]).split(str(_ID_STANDIN))
    return before, after


# An id no participant has, whose digits appear nowhere else in the URL.
_ID_STANDIN = 987654321


def _overview_row(row, link: tuple[str, str]) -> str:
    """One participant's row of the overview as HTML: the masked
    personnummer, the name as a link to the goal document, then the
    workbook's columns. Written here rather than through the template
    language, where 1,250 cells a page cost some fifty microseconds each
    against one or two (the standard library's escaping, which Django's
    ``escape`` wraps). Dates as YYYY-MM-DD, empty values as empty cells."""
    values = row_values(row)
    href = f"{link[0]}{int(row.pk)}{link[1]}"
    cells = "".join([f"<td>{_cell_text(v)}</td>" for v in values[2:]])
    return (
        f"<tr><td>{html.escape(row.personnummer_masked)}</td>"
        f'<th scope="row"><a href="{href}">{html.escape(values[1])}</a></th>{cells}</tr>'
    )


def _cell_text(value) -> str:
    """A cell's value as escaped HTML text."""
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    return html.escape(str(value)) if value else ""


@casework_required
@require_GET
def overview(request):
    """The goal document as a page: one row per participant the user may
    see, the workbook's columns."""
    form, responsible, status = overview_filters(request.GET)
    letter = request.GET.get("bokstav", "")
    letter = letter if len(letter) == 1 and letter in LETTERS else ""
    page = selectors.overview_page(
        request.user,
        responsible_id=responsible,
        status=status,
        after=_row_id(request.GET.get("efter")),
        before=_row_id(request.GET.get("fore")),
        letter=letter,
        size=PAGE_SIZE,
    )
    link = _goals_link()
    rows = [_overview_row(row, link) for row in selectors.goal_rows(page.pks)]
    table = mark_safe("\n".join(rows))  # noqa: S308 - every value escaped by _overview_row
    query = request.GET.copy()
    for key in PAGE_KEYS:
        query.pop(key, None)
    filter_query = query.urlencode()
    start = f"?{filter_query}&" if filter_query else "?"
    letters = [(f"{start}bokstav={quote(c)}", c, c == letter) for c in LETTERS]
    return render(
        request,
        "mapping/overview.html",
        {
            "form": form,
            "page": page,
            "letters": letters,
            "size": PAGE_SIZE,
            "few_visible": swedish_number(participant_selectors.FEW_VISIBLE),
            "letter": letter,
            "headers": HEADERS,
            "table": table,
            "filter_query": filter_query,
        },
    )
