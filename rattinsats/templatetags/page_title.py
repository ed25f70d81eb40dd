"""The document title: the page's own name, a dash, the app's name."""

from django import template

register = template.Library()

APP_NAME = "Rätt insats"


@register.filter(is_safe=True)
def with_app_name(value) -> str:
    """``Deltagare 47`` becomes ``Deltagare 47 – Rätt insats``; an empty
    title just the app's name. The value is the already escaped output of
    the ``title`` block."""
    title = " ".join(str(value).split())
    return f"{title} – {APP_NAME}" if title else APP_NAME
