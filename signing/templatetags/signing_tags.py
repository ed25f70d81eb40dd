"""The participant's signing links on the *Samtycke* tab (a template of the
participants app, which may not import this one)."""

from django import template
from django.utils import timezone

from signing import selectors

register = template.Library()


@register.inclusion_tag("signing/_links.html", takes_context=True)
def signing_links(context, participant, can_change: bool):
    return {
        "participant": participant,
        "links": selectors.links_for(participant),
        "can_change": can_change,
        "now": timezone.now(),
        "csrf_token": context.get("csrf_token"),
    }
