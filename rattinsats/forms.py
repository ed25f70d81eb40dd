from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User

# The range of the database's 64-bit integer keys.
_KEY_RANGE = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the database's integer range:
    Django looks several ids up with one ``__in`` query, which the database
    driver refuses with an error (a server error) for such a number."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        field = self.queryset.model._meta.pk if key == "pk" else None
        if field is not None and field.get_internal_type() in (
            "AutoField",
            "BigAutoField",
            "IntegerField",
            "BigIntegerField",
        ):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                try:
                    number = int(str(item).strip())
                except ValueError:
                    continue  # Django reports it as an invalid id
                if number not in _KEY_RANGE:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(item)[:20]},
                    )
        return super()._check_values(value)


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
