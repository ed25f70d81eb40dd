from django import forms
from django.utils.translation import gettext_lazy as _

from rattinsats.forms import DateInput
from rattinsats.models import User


class AccessReviewForm(forms.Form):
    start = forms.DateField(label=_("Från och med"), widget=DateInput())
    end = forms.DateField(label=_("Till och med"), widget=DateInput())
    user = forms.ModelChoiceField(
        label=_("Användare"),
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label=_("Alla"),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Slutdatumet kan inte vara före startdatumet."))
            elif (end - start).days > 366:
                self.add_error("end", _("Välj en period på högst ett år."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Arbetsbok (.xlsx)"),
        error_messages={"required": _("Välj en fil."), "empty": _("Filen är tom.")},
    )
