from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from rattinsats.models import Organisation

from .models import Flag, InterventionActivity, JournalNote


class InterventionDatesForm(forms.Form):
    start_date = forms.DateField(
        label=_("Startdatum"),
        widget=DateInput(),
        error_messages={"required": _("Ange startdatum."), "invalid": _("Ange ett giltigt datum.")},
    )
    end_date = forms.DateField(
        label=_("Slutdatum"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Ange ett giltigt datum.")},
        help_text=_("Lämnas tomt medan insatsen pågår."),
    )
    notes = forms.CharField(
        label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatum kan inte vara före startdatum."))
        return data


class InterventionForm(InterventionDatesForm):
    field_order = ["activity", "start_date", "end_date", "notes"]

    activity = forms.ModelChoiceField(
        label=_("Aktivitet"),
        queryset=InterventionActivity.objects.filter(active=True),
        error_messages={
            "required": _("Välj en aktivitet."),
            "invalid_choice": _("Välj en aktivitet i listan."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped by track: the select shows the three tracks as groups.
        field = cast(forms.ModelChoiceField, self.fields["activity"])
        # Given in the field's declaration above.
        activities = cast("QuerySet[InterventionActivity]", field.queryset)
        groups: dict[str, list] = {}
        for activity in activities:
            groups.setdefault(activity.get_track_display(), []).append((activity.pk, activity.name))
        field.choices = [("", "---------"), *groups.items()]


class InterventionEditForm(InterventionDatesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class JournalNoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Typ av anteckning"),
        choices=JournalNote.Kind.choices,
        initial=JournalNote.Kind.DAY,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj typ av anteckning.")},
    )
    happened_on = forms.DateField(
        label=_("Datum"),
        widget=DateInput(),
        error_messages={"required": _("Ange datum."), "invalid": _("Ange ett giltigt datum.")},
    )
    text = forms.CharField(
        label=_("Anteckning"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Skriv en anteckning.")},
    )


class FlagForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Till organisation"),
        queryset=Organisation.objects.all(),
        error_messages={
            "required": _("Välj organisation."),
            "invalid_choice": _("Välj en organisation i listan."),
        },
    )
    reason = forms.CharField(
        label=_("Anledning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Ange en anledning.")},
    )


ALL_STATUSES = "alla"


class FlagFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("Alla organisationer"),
    )
    # "Att skicka" first: the default, when nothing is chosen.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[*Flag.Status.choices, (ALL_STATUSES, _("Alla statusar"))],
        required=False,
        initial=Flag.Status.OPEN,
    )

    def status_wanted(self) -> str | None:
        """The state to list, or None for every state; "att skicka" unless
        another was chosen."""
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        if status == ALL_STATUSES:
            return None
        return status or Flag.Status.OPEN
