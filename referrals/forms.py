"""Forms validate input only; the services decide (eligibility included)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import Gender
from rattinsats.forms import ModelMultipleChoiceField
from rattinsats.models import Organisation
from rattinsats.personnummer import InvalidPersonnummer, parse
from rattinsats.uploads import validate_consent_document

YES_NO = [("ja", _("Ja")), ("nej", _("Nej"))]


def yes_no(label, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "ja",
        widget=forms.RadioSelect,
        error_messages={"required": _("Svara ja eller nej.")},
    )


class ReferralForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    personnummer = forms.CharField(
        label=_("Personnummer"),
        max_length=13,
        help_text=_("ÅÅÅÅMMDD-NNNN. Åldern räknas fram ur personnumret."),
    )
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    gender = forms.ChoiceField(label=_("Kön"), choices=Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-post"), required=False)
    preferred_language = forms.CharField(label=_("Önskat språk"), max_length=60, required=False)
    interpreter_needed = forms.BooleanField(label=_("Behöver tolk"), required=False)

    needs_deeper_support = yes_no(
        _("Bedöms personen behöva fördjupat stöd för att nå egen försörjning?")
    )
    other_af_intervention = yes_no(
        _("Är personen anvisad till en annan insats via Arbetsförmedlingen?"),
        _("Till exempel KROM, Kundval Rusta och matcha eller liknande."),
    )
    registered_jobseeker = yes_no(_("Är personen inskriven som arbetssökande hos AF?"))
    social_assistance = yes_no(_("Har personen försörjning genom ekonomiskt bistånd?"))
    jobseeker_category_14 = yes_no(_("Är personen inskriven i sökandekategori 14?"))
    sick_leave_ending = yes_no(
        _("Är personen sjukskriven med en sjukskrivning som upphör inom 1–2 veckor?")
    )

    consent_signed_on = forms.DateField(label=_("Samtycket undertecknades"), widget=DateInput())
    consent_organisations = ModelMultipleChoiceField(
        label=_("Samtycket omfattar"),
        queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Välj minst en organisation.")},
    )
    consent_covers_employer_presentation = forms.BooleanField(
        label=_("Samtycket omfattar presentation för arbetsgivare"),
        help_text=_(
            "Personen har samtyckt till att projektet presenterar hen för arbetsgivare "
            "vid matchning mot jobborder."
        ),
        required=False,
    )
    consent_document = forms.FileField(
        label=_("Underskriven samtyckesblankett (valfri)"),
        help_text=_("PDF, JPEG eller PNG, högst 5 MB."),
        required=False,
    )
    reason = forms.CharField(
        label=_("Anledning till anvisningen"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    ELIGIBILITY_FIELDS = (
        "needs_deeper_support",
        "other_af_intervention",
        "registered_jobseeker",
        "social_assistance",
        "jobseeker_category_14",
        "sick_leave_ending",
    )

    def clean_personnummer(self):
        value = self.cleaned_data["personnummer"]
        try:
            return parse(value).canonical
        except InvalidPersonnummer:
            raise forms.ValidationError(
                _("Ogiltigt personnummer. Skriv det som ÅÅÅÅMMDD-NNNN.")
            ) from None

    def clean_consent_signed_on(self):
        day = self.cleaned_data["consent_signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Datumet kan inte ligga i framtiden."))
        return day

    def clean_consent_document(self):
        upload = self.cleaned_data.get("consent_document")
        if upload:
            validate_consent_document(upload)
        return upload


class CheckForm(forms.Form):
    has_other_intervention = yes_no(
        _("Är personen anvisad till eller deltar i en annan insats?"),
        _("Svarar du ja returneras anvisningen till anvisaren med din anteckning som skäl."),
    )
    note = forms.CharField(
        label=_("Anteckning om kontrollen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Skriv en anteckning om kontrollen.")},
    )


class InformationCallForm(forms.Form):
    identity_verified = forms.BooleanField(
        label=_("Jag har kontrollerat personens identitet"),
        required=False,
    )
    informed_about_reporting = forms.BooleanField(
        label=_("Personen är informerad om fortsatt aktivitetsrapportering"),
        required=False,
    )
    wants_to_participate = yes_no(_("Vill personen delta i Rätt insats?"))
    start_date = forms.DateField(
        label=_("Startdatum"),
        help_text=_("Krävs när personen vill delta."),
        widget=DateInput(),
        required=False,
    )


class MeetingNotesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    supervision_notes = forms.CharField(
        label=_("Kollegial handledning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    employer_notes = forms.CharField(
        label=_("Arbetsgivare och jobbordrar"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    development_notes = forms.CharField(
        label=_("Utveckling av modellen"),
        help_text=_("Rutiner, arbetsgivarsamverkan, inspel, tidsplan och mål."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )


class AllocationForm(forms.Form):
    """One choice of responsible per referral, the proposal preselected."""

    def __init__(self, *args, referrals, staff, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.referrals = referrals
        choices = [("", _("Välj ansvarig"))] + [(str(u.pk), str(u)) for u in staff]
        self.staff_by_id = {str(u.pk): u for u in staff}
        for referral in referrals:
            name = f"referral_{referral.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Ansvarig för anvisning %(number)s") % {"number": referral.pk},
                choices=choices,
                initial=str(proposal.get(referral.pk, "")),
                error_messages={
                    "required": _("Välj en ansvarig."),
                    "invalid_choice": _("Välj en ansvarig i listan."),
                },
            )
            referral.field_name = name

    def assignments(self):
        return {
            referral.pk: self.staff_by_id[self.cleaned_data[referral.field_name]]
            for referral in self.referrals
        }
