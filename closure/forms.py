"""Forms of the closure tab. They check types and required fields; the
services in :mod:`closure.services` check that the answers fit together."""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import ClosureReason, ClosureResult

from .models import EmploymentStatus, IncomeSource, OtherClosureReason

BLANK = [("", "–")]
YES_NO = [("ja", _("Ja")), ("nej", _("Nej"))]


def _yes_no(value):
    return {"ja": True, "nej": False}.get(value)


class StatusFields(forms.Form):
    employment_status = forms.ChoiceField(
        label=_("Sysselsättning"),
        choices=[*BLANK, *EmploymentStatus.choices],
        error_messages={"required": _("Välj sysselsättning.")},
    )
    income_source = forms.ChoiceField(
        label=_("Huvudsaklig försörjning"),
        choices=[*BLANK, *IncomeSource.choices],
        error_messages={"required": _("Välj huvudsaklig försörjning.")},
    )


class StartStatusForm(StatusFields):
    prefix = "start"


class ClosureForm(StatusFields):
    prefix = "avslut"
    field_order = [
        "closed_on",
        "reason",
        "result",
        "other_reason",
        "note",
        "employment_status",
        "income_source",
    ]

    closed_on = forms.DateField(
        label=_("Avslutsdatum"),
        widget=DateInput(),
        error_messages={"required": _("Ange avslutsdatum."), "invalid": _("Ange ett datum.")},
    )
    reason = forms.ChoiceField(
        label=_("Avslutsorsak"),
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj avslutsorsak.")},
    )
    result = forms.ChoiceField(
        label=_("Resultat (vid arbete eller studier)"),
        choices=[*BLANK, *ClosureResult.choices],
        required=False,
    )
    other_reason = forms.ChoiceField(
        label=_("Övrigt skäl (vid avslut av övriga skäl)"),
        choices=[*BLANK, *OtherClosureReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Kommentar"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Krävs vid ”Annat skäl”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employment_status"].label = _("Sysselsättning vid avslut")
        self.fields["income_source"].label = _("Huvudsaklig försörjning vid avslut")


class FollowUpForm(forms.Form):
    prefix = "uppfoljning"

    followed_up_on = forms.DateField(
        label=_("Datum för uppföljningen"),
        widget=DateInput(),
        error_messages={
            "required": _("Ange datum för uppföljningen."),
            "invalid": _("Ange ett datum."),
        },
    )
    reached = forms.ChoiceField(
        label=_("Nådde du personen?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Ange om du nådde personen.")},
    )
    self_supporting = forms.ChoiceField(
        label=_("Har personen egen försörjning?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    working = forms.ChoiceField(
        label=_("Fungerar arbetet eller studierna?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    extended_support = forms.BooleanField(label=_("Förlängt stöd ges"), required=False)
    extended_support_until = forms.DateField(
        label=_("Förlängt stöd till och med"),
        widget=DateInput(),
        required=False,
        help_text=_("Högst tre månader efter avslutsdatumet."),
        error_messages={"invalid": _("Ange ett datum.")},
    )
    note = forms.CharField(
        label=_("Kommentar"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean_reached(self):
        return _yes_no(self.cleaned_data["reached"])

    def clean_self_supporting(self):
        return _yes_no(self.cleaned_data["self_supporting"])

    def clean_working(self):
        return _yes_no(self.cleaned_data["working"])


class ReopenForm(forms.Form):
    prefix = "angra"

    reason = forms.CharField(
        label=_("Varför ångras avslutet?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": _("Ange varför avslutet ångras.")},
    )


class TrainingForm(forms.Form):
    prefix = "utbildning"

    starts_on = forms.DateField(
        label=_("Utbildningen börjar"),
        widget=DateInput(),
        error_messages={"required": _("Ange startdatum."), "invalid": _("Ange ett datum.")},
    )
    ends_on = forms.DateField(
        label=_("Utbildningen slutar"),
        widget=DateInput(),
        required=False,
        error_messages={"invalid": _("Ange ett datum.")},
    )
    note = forms.CharField(
        label=_("Kommentar"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class SummaryForm(forms.Form):
    prefix = "sammanfattning"

    text = forms.CharField(
        label=_("Sammanfattning"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        help_text=_(
            "Din sammanfattning av deltagandet. Period, mål, förflyttningar, insatser och "
            "resultat hämtas från ärendet."
        ),
        error_messages={"required": _("Skriv en sammanfattning.")},
    )
