from django import forms
from django.utils.translation import gettext_lazy as _

# The shared date widget: the domain apps' forms import it from here.
from rattinsats.forms import DateInput as DateInput
from rattinsats.forms import ModelMultipleChoiceField
from rattinsats.models import Organisation


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Sök på namn eller personnummer"),
        max_length=100,
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class ConsentForm(forms.Form):
    organisations = ModelMultipleChoiceField(
        label=_("Organisationer som omfattas"),
        queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Välj minst en organisation.")},
    )
    signed_on = forms.DateField(label=_("Undertecknat"), widget=DateInput())
    valid_until = forms.DateField(label=_("Giltigt till"), widget=DateInput())
    covers_employer_presentation = forms.BooleanField(
        label=_("Samtycket omfattar presentation för arbetsgivare"),
        help_text=_(
            "Personen har samtyckt till att projektet presenterar hen för arbetsgivare "
            "vid matchning mot jobborder."
        ),
        required=False,
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        signed, until = data.get("signed_on"), data.get("valid_until")
        if signed and until and until < signed:
            self.add_error("valid_until", _("Giltigt till kan inte vara före undertecknandet."))
        return data
