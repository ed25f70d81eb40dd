"""The forms of employer collaboration: validation only; the services
decide and write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from casework.models import Intervention, InterventionActivity
from participants.models import Participant
from rattinsats.forms import DateInput

from .models import ContactPerson, Employer, EmployerContact, JobOrder, Placement, SupportForm
from .numbers import organisation_number_parse, postal_code_normalise, sni_normalise, ssyk_check
from .selectors import employers_live, staff_choices

DATE_ERRORS = {"required": _("Ange datum."), "invalid": _("Ange ett giltigt datum.")}


def _date_field(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages=DATE_ERRORS,
        help_text=help_text,
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class EmployerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Sök på namn eller organisationsnummer"), max_length=100, required=False
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class EmployerForm(forms.Form):
    organisation_number = forms.CharField(
        label=_("Organisationsnummer"),
        max_length=20,
        help_text=_("Tio siffror. En enskild firma har ägarens personnummer."),
        error_messages={"required": _("Ange organisationsnummer.")},
    )
    name = forms.CharField(
        label=_("Namn"), max_length=200, error_messages={"required": _("Ange namn.")}
    )
    street_address = forms.CharField(label=_("Gatuadress"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postnummer"), max_length=10, required=False)
    city = forms.CharField(label=_("Ort"), max_length=100, required=False)
    industry = forms.CharField(label=_("Bransch"), max_length=200, required=False)
    sni_code = forms.CharField(
        label=_("SNI-kod"),
        max_length=10,
        required=False,
        help_text=_("Fem siffror, till exempel 47111 eller 47.111."),
    )
    responsible = StaffChoiceField(
        label=_("Relationsansvarig"),
        queryset=staff_choices(),
        required=False,
        empty_label=_("Ingen"),
        error_messages={"invalid_choice": _("Välj en projektmedarbetare i listan.")},
    )
    notes = forms.CharField(
        label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_organisation_number(self):
        try:
            return organisation_number_parse(self.cleaned_data["organisation_number"]).number
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_sni_code(self):
        try:
            return sni_normalise(self.cleaned_data["sni_code"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_postal_code(self):
        try:
            return postal_code_normalise(self.cleaned_data["postal_code"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class EmployerEditForm(EmployerForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactPersonForm(forms.Form):
    name = forms.CharField(
        label=_("Namn"), max_length=200, error_messages={"required": _("Ange namn.")}
    )
    role = forms.CharField(label=_("Roll"), max_length=200, required=False)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False)
    email = forms.EmailField(
        label=_("E-post"),
        required=False,
        error_messages={"invalid": _("Ange en giltig e-postadress.")},
    )


class ContactPersonEditForm(ContactPersonForm):
    active = forms.BooleanField(
        label=_("Aktiv"),
        required=False,
        help_text=_("Ta bort markeringen när personen inte längre finns hos arbetsgivaren."),
    )


class EmployerContactForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Typ av kontakt"),
        choices=EmployerContact.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj typ av kontakt.")},
    )
    date = _date_field(_("Datum"))
    staff = StaffChoiceField(
        label=_("Projektmedarbetare"),
        queryset=staff_choices(),
        error_messages={
            "required": _("Välj projektmedarbetare."),
            "invalid_choice": _("Välj en projektmedarbetare i listan."),
        },
    )
    contact_person = forms.ModelChoiceField(
        label=_("Kontaktperson"),
        queryset=ContactPerson.objects.none(),
        required=False,
        empty_label=_("Ingen särskild"),
        error_messages={"invalid_choice": _("Välj en kontaktperson i listan.")},
    )
    outcome = forms.CharField(
        label=_("Utfall"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_step = forms.CharField(
        label=_("Nästa steg"),
        max_length=300,
        required=False,
        help_text=_(
            "Med ett datum blir nästa steg en uppgift under Att göra. "
            "Skriv aldrig uppgifter om deltagare här."
        ),
    )
    next_step_due = _date_field(_("Nästa steg senast"), required=False)

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["contact_person"])
        field.queryset = employer.contact_people.filter(active=True)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("next_step_due") and not (data.get("next_step") or "").strip():
            self.add_error("next_step", _("Beskriv nästa steg."))
        return data


class EmployerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.organisation_number_masked})"


class MergeForm(forms.Form):
    keep = EmployerChoiceField(
        label=_("Arbetsgivare att behålla"),
        queryset=Employer.objects.none(),
        error_messages={
            "required": _("Välj arbetsgivaren att behålla."),
            "invalid_choice": _("Välj en arbetsgivare i listan."),
        },
    )

    def __init__(self, *args, choices: QuerySet[Employer], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["keep"])
        field.queryset = choices


class JobOrderForm(forms.Form):
    occupation = forms.CharField(
        label=_("Yrke"), max_length=200, error_messages={"required": _("Ange yrke.")}
    )
    ssyk_code = forms.CharField(
        label=_("SSYK-kod"),
        max_length=10,
        required=False,
        help_text=_("SSYK 2012, fyra siffror, till exempel 5223."),
    )
    positions = forms.IntegerField(
        label=_("Antal platser"),
        min_value=1,
        max_value=999,
        initial=1,
        error_messages={
            "required": _("Ange antal platser."),
            "invalid": _("Ange ett heltal."),
            "min_value": _("Ange minst en plats."),
            "max_value": _("Ange högst 999 platser."),
        },
    )
    extent = forms.CharField(
        label=_("Omfattning"),
        max_length=100,
        required=False,
        help_text=_("Till exempel heltid, deltid 75 %."),
    )
    start_date = _date_field(_("Startdatum"), required=False)
    apply_by = _date_field(_("Sista ansökningsdag"), required=False)
    support_form = forms.ChoiceField(
        label=_("Möjligt stöd"), choices=SupportForm.choices, required=False
    )
    requirements = forms.CharField(
        label=_("Krav"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_ssyk_code(self):
        try:
            return ssyk_check(self.cleaned_data["ssyk_code"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class JobOrderEditForm(JobOrderForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=JobOrder.Status.choices,
        error_messages={"required": _("Välj status.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


ALL_STATUSES = "alla"


class JobOrderFilterForm(forms.Form):
    # "Öppen" first: the default, when nothing is chosen.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[*JobOrder.Status.choices, (ALL_STATUSES, _("Alla statusar"))],
        required=False,
        initial=JobOrder.Status.OPEN,
    )

    def status_wanted(self) -> str | None:
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        if status == ALL_STATUSES:
            return None
        return status or JobOrder.Status.OPEN


class PlacementEmployerForm(forms.Form):
    """The first step of a new placement: the employer (by id, in the URL)."""

    employer = EmployerChoiceField(
        label=_("Arbetsgivare"),
        queryset=employers_live().filter(anonymised_at__isnull=True),
        error_messages={
            "required": _("Välj arbetsgivare."),
            "invalid_choice": _("Välj en arbetsgivare i listan."),
        },
    )


class InterventionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        end = f"{obj.end_date:%Y-%m-%d}" if obj.end_date else _("pågår")
        return f"{obj.activity.name} ({obj.start_date:%Y-%m-%d} – {end})"


class PlacementDatesForm(forms.Form):
    start_date = _date_field(_("Startdatum"))
    end_date = _date_field(
        _("Slutdatum"), required=False, help_text=_("Lämnas tomt medan placeringen pågår.")
    )
    support_form = forms.ChoiceField(
        label=_("Stödform"),
        choices=SupportForm.choices,
        required=False,
        help_text=_("Bara för en anställning."),
    )
    supervisor = forms.ModelChoiceField(
        label=_("Handledare hos arbetsgivaren"),
        queryset=ContactPerson.objects.none(),
        required=False,
        empty_label=_("Ingen angiven"),
        error_messages={"invalid_choice": _("Välj en kontaktperson i listan.")},
    )
    notes = forms.CharField(
        label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["supervisor"])
        field.queryset = employer.contact_people.filter(active=True)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatum kan inte vara före startdatum."))
        return data


class PlacementForm(PlacementDatesForm):
    field_order = [
        "kind",
        "job_order",
        "start_date",
        "end_date",
        "support_form",
        "supervisor",
        "intervention",
        "activity",
        "notes",
    ]

    kind = forms.ChoiceField(
        label=_("Typ"),
        choices=Placement.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj typ av placering.")},
    )
    job_order = forms.ModelChoiceField(
        label=_("Jobborder"),
        queryset=JobOrder.objects.none(),
        required=False,
        empty_label=_("Ingen"),
        error_messages={"invalid_choice": _("Välj en jobborder i listan.")},
    )
    intervention = InterventionChoiceField(
        label=_("Insats"),
        queryset=Intervention.objects.none(),
        required=False,
        empty_label=_("Ny insats"),
        help_text=_("Placeringen hör till en av deltagarens insatser, eller till en ny."),
        error_messages={"invalid_choice": _("Välj en insats i listan.")},
    )
    activity = forms.ModelChoiceField(
        label=_("Aktivitet för en ny insats"),
        queryset=InterventionActivity.objects.filter(active=True),
        required=False,
        empty_label=_("Typens vanliga (Ordna praktik, Arbetsprövning, Stöd vid start)"),
        error_messages={"invalid_choice": _("Välj en aktivitet i listan.")},
    )

    def __init__(self, *args, employer: Employer, participant: Participant, **kwargs):
        super().__init__(*args, employer=employer, **kwargs)
        orders = cast(forms.ModelChoiceField, self.fields["job_order"])
        orders.queryset = employer.job_orders.order_by("-created_at", "-id")
        interventions = cast(forms.ModelChoiceField, self.fields["intervention"])
        interventions.queryset = participant.interventions.select_related("activity")
        # Grouped by track, as on the Insatser tab.
        field = cast(forms.ModelChoiceField, self.fields["activity"])
        activities = cast("QuerySet[InterventionActivity]", field.queryset)
        groups: dict[str, list] = {}
        for activity in activities:
            groups.setdefault(activity.get_track_display(), []).append((activity.pk, activity.name))
        field.choices = [("", field.empty_label), *groups.items()]


class PlacementEditForm(PlacementDatesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlacementFollowUpForm(forms.Form):
    prefix = "uppfoljning"

    date = _date_field(_("Datum"))
    notes = forms.CharField(
        label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EmployerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Arbetsbok (.xlsx)"),
        error_messages={"required": _("Välj en fil."), "empty": _("Filen är tom.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.RATTINSATS_EMPLOYER_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Filen är för stor: högst %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
            )
        return upload
