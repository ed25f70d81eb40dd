import datetime
import functools
import html
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import formats
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# The range of the database's 64-bit integer keys.
_KEY_RANGE = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the database's integer range:
    Django looks several ids up with one ``__in`` query, which the database
    driver refuses with an error (a server error) for such a number."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        queryset = self.queryset
        field = queryset.model._meta.pk if key == "pk" and queryset is not None else None
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
        # A private method of Django's field: django-stubs leaves it out.
        return super()._check_values(value)  # type: ignore[misc]


class ReadOnceChoices(forms.models.ModelChoiceIterator):
    """A model choice field's choices read with one ordinary query, kept
    for the form: Django reads them with ``iterator()``, which on
    PostgreSQL is a server-side cursor (DECLARE, FETCH and CLOSE: three
    round trips) on every render. For lists of choices, which are short."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ReadOnceModelChoiceField(forms.ModelChoiceField):
    """Django's field with its choices read once (:class:`ReadOnceChoices`)."""

    iterator = ReadOnceChoices


class ChoiceList(BaseChoiceIterator):
    """Choices that are (value, label) pairs already, given to a field as
    they are: Django normalises a plain list of choices item by item, twice
    (field and widget), which for a thousand staff members cost more than
    the rest of the page."""

    def __init__(self, choices: list[tuple[Any, Any]]):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    @functools.cached_property
    def texts(self) -> tuple[tuple[str, str], ...]:
        """The choices as (value, label) text, as :class:`LongSelect` shows
        them: made once for a list kept between requests."""
        return _texts(self.choices)


def _texts(choices) -> tuple[tuple[str, str], ...]:
    return tuple(
        ("" if option_value is None else str(option_value), str(label))
        for option_value, label in choices
    )


class LongSelect(forms.Select):
    """Django's ``<select>`` for a long list of choices (every staff
    member): the same markup as Django's templates give it, but each
    ``<option>`` written in Python. Through the templates an option costs
    some tens of microseconds, which made a list of a thousand staff
    members the most expensive part of the results dashboard. No option
    groups."""

    def render(self, name, value, attrs=None, renderer=None):
        # Not through get_context(): its option dictionaries cost as much
        # as the templates did. The options' markup is made once for a
        # list of choices (_options_html); the first option with the
        # value is chosen, as Django's Select chooses it.
        chosen = (self.format_value(value) or [""])[0]
        choices = self.choices
        options = _options_html(
            choices.texts if isinstance(choices, ChoiceList) else _texts(choices)
        )
        mark = f'<option value="{html.escape(chosen)}"'
        at = options.find(mark + ">")
        if at >= 0:
            at += len(mark)
            options = f"{options[:at]} selected{options[at:]}"
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every value and label escaped
        )


@functools.lru_cache(maxsize=32)
def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    """The ``<option>`` elements of ``choices`` (value and label as text),
    none selected, every value and label escaped."""
    return "".join(
        f'\n  <option value="{html.escape(value)}">{html.escape(label)}</option>'
        for value, label in choices
    )


class DateInput(forms.DateInput):
    """A date as ``<input type="date">``, whose value must be a valid
    YYYY-MM-DD date. A posted value that is not a date (such as
    "2026-13-45") is shown as an empty field, never echoed back (invalid
    HTML, which browsers show as an empty field anyway); the field's error
    message says what was wrong."""

    input_type = "date"

    def __init__(self, attrs=None, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(attrs=attrs, **kwargs)

    def format_value(self, value):
        if isinstance(value, str):
            day = _parse_date(value.strip())
            return day.isoformat() if day else None
        return super().format_value(value)


def _parse_date(text: str) -> datetime.date | None:
    """The date in ``text`` in any accepted input format, else None."""
    for fmt in formats.get_format("DATE_INPUT_FORMATS"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date only
        except (TypeError, ValueError):
            continue
    return None


def add_validation_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form it came from: field
    errors on their fields, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
