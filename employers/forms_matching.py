"""Forms of matching: validation only (the services in ``matching`` decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import Participant

from .models import Match

STEP_CHOICES = [
    ("confirm", _("Bekräfta")),
    ("dismiss", _("Avfärda")),
    ("present", _("Presentera")),
    (Match.Status.INTERVIEW.value, _("Intervju")),
    (Match.Status.HIRED.value, _("Anställd")),
    (Match.Status.NOT_CHOSEN.value, _("Inte vald")),
]


class MatchStepForm(forms.Form):
    """One step of a match: the button pressed, the version the page was
    opened with and, for a hire, the employment to start."""

    step = forms.ChoiceField(choices=STEP_CHOICES)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    placement_start = forms.DateField(
        label=_("Anställningen börjar"),
        help_text=_("Registrerar anställningen som placering hos arbetsgivaren, med orderns stöd."),
        required=False,
        widget=DateInput(),
    )
    placement_end = forms.DateField(
        label=_("Anställningen slutar (om den är tidsbegränsad)"),
        required=False,
        widget=DateInput(),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("placement_start"), data.get("placement_end")
        if end and not start:
            self.add_error("placement_start", _("Ange när anställningen börjar."))
        if start and end and end < start:
            self.add_error("placement_end", _("Slutdatum kan inte vara före startdatum."))
        if start and data.get("step") != Match.Status.HIRED:
            self.add_error(
                "placement_start",
                _("En anställning registreras bara när deltagaren anställs."),
            )
        return data


class _ParticipantChoiceField(forms.ModelChoiceField):
    """Participants by name (the list holds only the user's own)."""

    def label_from_instance(self, obj) -> str:
        return obj.full_name


class MatchAddForm(forms.Form):
    """Put one of the user's participants on the order by hand."""

    participant = _ParticipantChoiceField(
        label=_("Deltagare"),
        queryset=Participant.objects.none(),
        empty_label=_("Välj deltagare"),
        error_messages={
            "required": _("Välj en deltagare."),
            "invalid_choice": _("Välj en deltagare i listan."),
        },
    )
    note = forms.CharField(
        label=_("Varför (valfritt)"),
        max_length=300,
        required=False,
        help_text=_("Skriv inget känsligt: texten visas för kollegor som arbetar med ordern."),
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - for the type checker
        field.queryset = participants
