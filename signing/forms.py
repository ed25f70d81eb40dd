import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import Consent
from rattinsats.forms import ModelMultipleChoiceField
from rattinsats.models import Organisation

from .models import SigningLink, SigningOrder


def default_valid_until() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


class ConsentTermsForm(forms.Form):
    """What a consent signed with BankID covers: as for the paper consent,
    but valid from the day it is signed."""

    organisations = ModelMultipleChoiceField(
        label=_("Organisationer som omfattas"),
        queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Välj minst en organisation.")},
    )
    valid_until = forms.DateField(
        label=_("Giltigt till"),
        widget=DateInput(),
        help_text=_("Samtycket gäller från den dag det signeras."),
    )
    covers_employer_presentation = forms.BooleanField(
        label=_("Samtycket omfattar presentation för arbetsgivare"),
        required=False,
    )

    def clean_valid_until(self):
        day = self.cleaned_data["valid_until"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Giltigt till kan inte vara före i dag."))
        return day


class SigningMethodForm(forms.Form):
    """How the participant signs on the staff member's screen."""

    method = forms.ChoiceField(
        label=_("Hur deltagaren signerar"),
        choices=[
            (
                SigningOrder.Method.QR.value,
                _("QR-kod på min skärm (deltagaren skannar med sin mobil)"),
            ),
            (SigningOrder.Method.SAME_DEVICE.value, _("Öppna BankID på den här enheten")),
        ],
        widget=forms.RadioSelect,
        initial=SigningOrder.Method.QR.value,
    )


class SigningStartForm(SigningMethodForm, ConsentTermsForm):
    """What a new consent covers, then how the participant signs."""


class _ChannelMixin(forms.Form):
    channel = forms.ChoiceField(
        label=_("Skicka med"),
        choices=SigningLink.Channel.choices,
        widget=forms.RadioSelect,
        initial=SigningLink.Channel.EMAIL.value,
    )
    recipient = forms.CharField(
        label=_("Annan e-postadress eller mobilnummer"),
        max_length=254,
        required=False,
        help_text=_(
            "Lämna tomt för att använda deltagarens egen. En adress som skrivs här "
            "används bara för det här utskicket och sparas inte."
        ),
    )

    def __init__(self, *args, sms_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not sms_enabled:
            field = self.fields["channel"]
            if isinstance(field, forms.ChoiceField):
                field.choices = [(SigningLink.Channel.EMAIL.value, SigningLink.Channel.EMAIL.label)]


class LinkConsentForm(_ChannelMixin, ConsentTermsForm):
    field_order = [
        "organisations",
        "valid_until",
        "covers_employer_presentation",
        "channel",
        "recipient",
    ]


class LinkWithdrawalForm(_ChannelMixin, forms.Form):
    consent = forms.ModelChoiceField(
        label=_("Samtycke som återkallas"),
        queryset=Consent.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    field_order = ["consent", "channel", "recipient"]

    def __init__(self, *args, consents=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["consent"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = consents if consents is not None else Consent.objects.none()
            field.label_from_instance = _consent_label  # type: ignore[assignment]


def _consent_label(consent: Consent) -> str:
    names = ", ".join(str(o) for o in consent.organisations.all())
    return _("Undertecknat %(signed)s, giltigt till %(until)s: %(names)s") % {
        "signed": consent.signed_on.isoformat(),
        "until": consent.valid_until.isoformat(),
        "names": names,
    }


class LinkMethodForm(forms.Form):
    """The participant's choice on their page."""

    method = forms.ChoiceField(choices=SigningOrder.Method.choices)
