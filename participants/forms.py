from django import forms
from django.utils.translation import gettext_lazy as _

# The shared date widget: the domain apps' forms import it from here.
from rattinsats.forms import DateInput as DateInput
from rattinsats.forms import ModelMultipleChoiceField
from rattinsats.models import Organisation
from rattinsats.uploads import validate_consent_document

from .models import ConsentMethod, ConsentText


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

    method = forms.ChoiceField(
        label=_("Hur samtycket gavs"),
        choices=[
            (ConsentMethod.PAPER.value, _("Underskriven pappersblankett")),
            (ConsentMethod.STAFF.value, _("Muntligt eller på annat sätt, registrerat av personal")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=ConsentMethod.PAPER.value,
        help_text=_("För digital underskrift: använd Signera med BankID ovan."),
    )
    text_version = forms.ModelChoiceField(
        label=_("Textversion"),
        queryset=ConsentText.objects.all(),
        required=False,
        empty_label=_("Den som gäller nu"),
        help_text=_("Den version av samtyckestexten som personen fick."),
    )
    document = forms.FileField(
        label=_("Underskriven blankett"),
        help_text=_(
            "Skanna eller fotografera den underskrivna blanketten: PDF, JPEG eller PNG, "
            "högst 5 MB. Krävs för ett samtycke på papper, om inte blanketten förvaras "
            "i pappersakten."
        ),
        required=False,
    )
    document_in_paper_file = forms.BooleanField(
        label=_("Blanketten förvaras i pappersakten och laddas inte upp"),
        required=False,
    )

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if upload:
            validate_consent_document(upload)
        return upload or None

    def clean(self):
        super().clean()
        data = self.cleaned_data
        signed, until = data.get("signed_on"), data.get("valid_until")
        if signed and until and until < signed:
            self.add_error("valid_until", _("Giltigt till kan inte vara före undertecknandet."))
        # No method given: paper with a form uploaded, else staff (the service's default).
        method = data.get("method")
        document = data.get("document")
        if "document" in data and method == ConsentMethod.PAPER:
            if not document and not data.get("document_in_paper_file"):
                self.add_error(
                    "document",
                    _(
                        "Ladda upp den underskrivna blanketten, eller kryssa i att den "
                        "förvaras i pappersakten."
                    ),
                )
            elif document and data.get("document_in_paper_file"):
                self.add_error(
                    "document_in_paper_file",
                    _("Kryssa inte i pappersakten när du laddar upp blanketten."),
                )
        elif document and method == ConsentMethod.STAFF:
            self.add_error(
                "document",
                _("En blankett laddas bara upp för ett samtycke på pappersblankett."),
            )
        return data

    def service_data(self) -> dict:
        """What :func:`services.consent_record` takes (the box ticked for
        the paper file is the form's rule only)."""
        data = dict(self.cleaned_data)
        data.pop("document_in_paper_file", None)
        return data
