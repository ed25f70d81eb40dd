"""What the referral app does when other parts of the case change."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from participants.models import Participant
from rattinsats.notifications import notification_send

from .models import Referral


def counsellor_notify_of_closure(sender, *, participant: Participant, **kwargs) -> None:
    """Tell the counsellor whose referral became the participation that it
    has ended: in the app naming the person (as the counsellor entered them),
    and by an e-mail after commit that names no one. A participation that
    came another way (the workbook import) has no counsellor to tell."""
    referral = (
        Referral.objects.filter(participant=participant).select_related("referred_by").first()
    )
    if referral is None:
        return
    notification_send(
        [referral.referred_by],
        _("%(person)s, som du har anvisat, har avslutats i Rätt insats.")
        % {"person": referral.person_named},
        reverse("referrals:mine"),
        mail_subject=_("Rätt insats: avslut"),
        mail_body=_(
            "En deltagare som du har anvisat till Rätt insats har avslutats. "
            "Logga in i Rätt insats för att se vilken."
        ),
    )
