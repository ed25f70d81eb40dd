import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rattinsats.models import Organisation


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthlyForm(forms.Form):
    """Which month and which organisation; sent in the query string (ids
    and a month only, never personal data)."""

    month = forms.CharField(
        label=_("Månad"),
        widget=MonthInput(),
        help_text=_("År och månad, till exempel 2026-03."),
        error_messages={"required": _("Ange månad.")},
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        error_messages={
            "required": _("Välj organisation."),
            "invalid_choice": _("Välj en organisation i listan."),
        },
    )

    def clean_month(self) -> datetime.date:
        value = self.cleaned_data["month"].strip()
        try:
            month = datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007
        except ValueError:
            raise forms.ValidationError(_("Ange månaden som ÅÅÅÅ-MM.")) from None
        if month > timezone.localdate():
            raise forms.ValidationError(_("Månaden kan inte ligga i framtiden."))
        if month.year < 2000:
            raise forms.ValidationError(_("Ange månaden som ÅÅÅÅ-MM."))
        return month


def previous_month(today: datetime.date) -> str:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last:%Y-%m}"
