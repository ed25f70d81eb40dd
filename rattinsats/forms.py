from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User


def add_validation_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form it came from: field
    errors on their fields, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AccessReviewForm(forms.Form):
    start = forms.DateField(label=_("Från och med"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Till och med"), widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.ModelChoiceField(
        label=_("Användare"),
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label=_("Alla"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Slutdatumet kan inte vara före startdatumet."))
            elif (end - start).days > 366:
                self.add_error("end", _("Välj en period på högst ett år."))
        return data
