"""The results filter: period, referring organisation and (for project
staff and administrators) responsible staff member."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rattinsats.forms import DateInput, LongSelect, ReadOnceChoices, ReadOnceModelChoiceField
from rattinsats.models import Organisation, Role, User, user_name
from rattinsats.user_lists import kept_while_users_unchanged

from .results import FIRST_DATE, LAST_DATE, ResultsFilter

DATE_ERRORS = {"invalid": _("Ange ett datum som ÅÅÅÅ-MM-DD.")}


class ResultsFilterForm(forms.Form):
    """Read from the query string (``from``, ``to``, ``organisation``,
    ``responsible``); every field is optional."""

    organisation = ReadOnceModelChoiceField(
        label=_("Anvisande organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("Alla"),
        error_messages={"invalid_choice": _("Välj en organisation i listan.")},
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        # "from" is a Python keyword: the fields are added here.
        self.fields["from"] = forms.DateField(
            label=_("Från och med"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput(),
            error_messages=DATE_ERRORS,
        )
        self.fields["to"] = forms.DateField(
            label=_("Till och med"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput(),
            error_messages=DATE_ERRORS,
        )
        self.order_fields(["from", "to", "organisation"])
        # The steering group sees no names, so it cannot filter by person.
        self.by_responsible = not user.is_steering
        if self.by_responsible:
            self.fields["responsible"] = _StaffChoiceField(
                label=_("Ansvarig medarbetare"),
                queryset=User.objects.filter(
                    role__in=[Role.STAFF, Role.EMPLOYMENT_OFFICER]
                ).order_by("first_name", "last_name", "username"),
                required=False,
                empty_label=_("Alla"),
                error_messages={"invalid_choice": _("Välj en medarbetare i listan.")},
                widget=LongSelect,
                kept_as="results-filter-responsibles",
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for name in ("from", "to"):
            day = cleaned.get(name)
            if day is not None and not FIRST_DATE <= day <= LAST_DATE:
                self.add_error(
                    name,
                    _("Datumet måste ligga mellan %(first)s och %(last)s.")
                    % {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
                )
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("Till och med kan inte vara före från och med."))
        return cleaned

    def results_filter(self) -> ResultsFilter:
        data = self.cleaned_data
        return ResultsFilter(
            date_from=data.get("from"),
            date_to=data.get("to"),
            referring_organisation=data.get("organisation"),
            responsible=data.get("responsible") if self.by_responsible else None,
        )

    def error_list(self) -> list[str]:
        """Every error as one line, for the JSON answer."""
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            for error in errors:
                lines.append(f"{label}: {error}" if label else str(error))
        return lines


class _StaffChoices(ReadOnceChoices):
    """The staff members as (id, label) pairs, read as values (a thousand
    staff members made users cost the dashboard more than its charts), and
    kept by each process until a user changes (:mod:`rattinsats.user_lists`):
    a render reads one cache row instead of a row for each staff member."""

    field: "_StaffChoiceField"

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from kept_while_users_unchanged(self.field.kept_as, self._pairs)

    def _pairs(self) -> tuple[tuple[int, str], ...]:
        return tuple(
            (pk, user_name(first, last, username))
            for pk, first, last, username in self.queryset.values_list(
                "pk", "first_name", "last_name", "username"
            )
        )


class _StaffChoiceField(ReadOnceModelChoiceField):
    """Staff members by full name, or username without one. ``kept_as``
    names the list of its queryset's choices in :mod:`rattinsats.user_lists`
    (one name for each queryset)."""

    iterator = _StaffChoices

    def __init__(self, *args, kept_as: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_as = kept_as
