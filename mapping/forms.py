import functools
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import Participant
from participants.periods import period_label
from rattinsats.forms import ChoiceList, LongSelect

from .models import GoalDocument, MappingDocument, MoveCategory, SubGoalStatus
from .selectors import overview_responsible_names


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class VersionedForm(forms.ModelForm):
    """A document form carrying the version it was read at, so a save over
    someone else's newer version is refused."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    if TYPE_CHECKING:
        # Each document form's own; its fields are the document's content.
        class Meta:
            fields: list[str]

    def __init__(self, *args, version: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = version
        self._label_empty_choices()

    # The label of an empty choice, per field.
    empty_labels: dict = {}

    def _label_empty_choices(self):
        for name, label in self.empty_labels.items():
            field = cast(forms.ChoiceField, self.fields[name])
            # A model field's choices: a flat list of (value, label).
            choices = cast(list[tuple[Any, Any]], field.choices)
            field.choices = [("", label)] + [c for c in choices if c[0] != ""]

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MappingDocumentForm(VersionedForm):
    empty_labels = {"goal_direction": _("Inte bestämt än")}

    class Meta:
        model = MappingDocument
        fields = list(MappingDocument.CONTENT_FIELDS)
        labels = {
            "education_experience": _("Utbildning och erfarenhet"),
            "licences": _("Körkort och andra behörigheter"),
            "languages": _("Språk"),
            "goal_direction": _("Målet gäller"),
            "goal": _("Mål"),
            "delmal_1": _("Delmål 1"),
            "delmal_2": _("Delmål 2"),
            "delmal_3": _("Delmål 3"),
            "participant_part": _("Deltagarens del – vad gör du?"),
            "staff_part": _("Projektmedarbetarens del – vad gör vi?"),
            "employer_presentation": _(
                "Hur vill du bli presenterad när vi kontaktar arbetsgivare?"
            ),
        }
        help_texts = {
            "delmal_1": _("Små och konkreta, till exempel ”gå ut på en promenad varje dag”."),
        }
        widgets = {
            name: _textarea() for name in MappingDocument.CONTENT_FIELDS if name != "goal_direction"
        }


class GoalDocumentForm(VersionedForm):
    empty_labels = {f"delmal_{n}_status": _("Ingen status") for n in (1, 2, 3)}

    class Meta:
        model = GoalDocument
        fields = list(GoalDocument.CONTENT_FIELDS)
        labels = {
            "goal": _("Mål"),
            "delmal_1": _("Delmål 1"),
            "delmal_1_status": _("Status för delmål 1"),
            "delmal_2": _("Delmål 2"),
            "delmal_2_status": _("Status för delmål 2"),
            "delmal_3": _("Delmål 3"),
            "delmal_3_status": _("Status för delmål 3"),
            "employment_subsidy": _("Anställningsstöd"),
            "consent_renewal_on": _("Samtycket ska förnyas senast"),
            "continuation_reason": _("Motivering till fortsättning"),
            "other": _("Övrigt"),
        }
        help_texts = {
            "continuation_reason": _(
                "Krävs innan en förflyttning registreras efter månad 12 (period 5–8)."
            ),
            "employment_subsidy": _("Till exempel lönebidrag eller nystartsjobb, om det finns."),
        }
        widgets = {
            "goal": _textarea(2),
            "delmal_1": _textarea(2),
            "delmal_2": _textarea(2),
            "delmal_3": _textarea(2),
            "continuation_reason": _textarea(3),
            "other": _textarea(3),
            "consent_renewal_on": DateInput(),
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for n in (1, 2, 3):
            text, status = data.get(f"delmal_{n}"), data.get(f"delmal_{n}_status")
            if text and not status:
                data[f"delmal_{n}_status"] = SubGoalStatus.ONGOING
            if status and not text:
                self.add_error(f"delmal_{n}", _("Skriv delmålet eller ta bort dess status."))
        return data


class MoveForm(forms.Form):
    period = forms.TypedChoiceField(label=_("Period"), coerce=int)
    category = forms.ModelChoiceField(
        label=_("Kategori"),
        queryset=MoveCategory.objects.filter(active=True),
        empty_label=_("Välj kategori"),
        error_messages={"required": _("Välj en kategori.")},
    )
    note = forms.CharField(label=_("Kommentar"), required=False, widget=_textarea(2))

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["period"]).choices = [("", _("Välj period"))] + [
            (k, f"{k}: {period_label(k)} ({first:%Y-%m-%d}–{last:%Y-%m-%d})")
            for k, first, last in periods
        ]
        self.fields["period"].error_messages.update(
            {
                "required": _("Välj en period."),
                "invalid_choice": _("Perioden kan inte väljas."),
            }
        )


class OverviewFilterForm(forms.Form):
    """Filters of the overview; their values are ids and statuses, never
    personal data, so they may travel in the URL."""

    responsible = forms.TypedChoiceField(
        label=_("Ansvarig"),
        coerce=int,
        required=False,
        empty_value=None,
        # Every project staff member (mapping.selectors.overview_responsibles).
        widget=LongSelect(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alla"))] + list(Participant.Status.choices),
    )

    def __init__(self, *args, responsibles, **kwargs):
        """``responsibles``: (id, name, active) of each staff member to
        choose from; one who has left is marked so."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["responsible"]).choices = _responsible_choices(
            tuple(responsibles), get_language()
        )


@functools.lru_cache(maxsize=8)
def _responsible_choices(
    responsibles: tuple[tuple[int, str, bool], ...], language: str | None
) -> ChoiceList:
    # One list of choices for each list of staff (kept by the selector until
    # a user changes) and language: the same list, whose options'
    # markup LongSelect has made, on every page.
    return ChoiceList(
        [("", str(_("Alla")))]
        + [
            (pk, name if active else _("%(name)s (har slutat)") % {"name": name})
            for pk, name, active in responsibles
        ]
    )


def overview_filters(data) -> tuple[OverviewFilterForm, int | None, str]:
    """The overview's filter form on ``data`` (the page's query or the
    export's post) and the responsible staff member's id and the status it
    chose; an invalid filter chooses nothing."""
    form = OverviewFilterForm(data or None, responsibles=overview_responsible_names())
    responsible, status = None, ""
    if form.is_bound and form.is_valid():
        responsible = form.cleaned_data["responsible"]
        status = form.cleaned_data["status"]
    return form, responsible, status
