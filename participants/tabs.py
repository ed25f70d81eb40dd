"""The tabs of a participant's page. A tab whose page is not installed is
left out, so each app adds its tab by URL name."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

TABS = [
    (_("Översikt"), "participants:detail"),
    (_("Kartläggning"), "mapping:mapping"),
    (_("Mål och stegvisa förflyttningar"), "mapping:goals"),
    (_("Insatser"), "casework:interventions"),
    (_("Arbetsgivare"), "employers:participant_tab"),
    (_("Journal"), "casework:journal"),
    (_("Flaggor"), "casework:participant_flags"),
    (_("Samtycke"), "participants:consents"),
    (_("Avslut"), "closure:tab"),
]


def tabs_for(participant, current: str):
    items = []
    for label, name in TABS:
        try:
            url = reverse(name, args=[participant.pk])
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "current": name == current})
    return items
