"""Demo referrals for ``seed_demo``: a few in each state of the flow, made
through the services so that they look as in real use."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from participants.models import Gender, Participant
from rattinsats import testnumbers
from rattinsats.models import Organisation, User
from referrals import services
from referrals.models import Referral, week_monday

# first name, last name, gender, referrer, what happens next
DEMO = [
    ("Linnea", "Demoanvisad", Gender.WOMAN, "vagledare", "received"),
    ("Hassan", "Exempelsson", Gender.MAN, "af-handlaggare", "received"),
    ("Frida", "Påhittsdotter", Gender.WOMAN, "vagledare", "ready"),
    ("Jonas", "Provanvisad", Gender.MAN, "af-handlaggare", "ready"),
    ("Amira", "Testanvisad", Gender.WOMAN, "vagledare", "returned"),
    ("David", "Fiktivberg", Gender.MAN, "vagledare", "allocated"),
]


@transaction.atomic
def demo_referrals_ensure() -> int:
    """Add the demo referrals unless there already are referrals. Returns
    how many were added."""
    if Referral.objects.exists():
        return 0
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["vagledare", "af-handlaggare", "arbetsformedlare", "personal"]
        )
    }
    if len(users) < 4:
        return 0
    officer, staff = users["arbetsformedlare"], users["personal"]
    taken = set(Participant.objects.values_list("personnummer", flat=True))
    numbers = (n for n in testnumbers.working_age(born_from=1975, born_to=1999) if n not in taken)
    organisations = list(Organisation.objects.all())
    today = timezone.localdate()
    for first, last, gender, referrer, state in DEMO:
        referral = services.referral_submit(
            actor=users[referrer],
            submission_key=uuid.uuid4(),
            personnummer=next(numbers),
            first_name=first,
            last_name=last,
            gender=gender,
            needs_deeper_support=True,
            other_af_intervention=False,
            registered_jobseeker=True,
            social_assistance=referrer == "vagledare",
            jobseeker_category_14=referrer != "vagledare",
            sick_leave_ending=referrer != "vagledare",
            consent_signed_on=today - datetime.timedelta(days=3),
            consent_organisations=organisations,
            reason="Har provat flera insatser och behöver fördjupat stöd mot arbete.",
        )
        if state == "received":
            continue
        services.referral_check(
            actor=officer,
            referral=referral,
            has_other_intervention=state == "returned",
            note="Deltar redan i Rusta och matcha."
            if state == "returned"
            else "Kontrollerat: ingen annan insats.",
        )
        if state == "allocated":
            services.meeting_allocate(
                actor=staff, week_start=week_monday(today), assignments={referral.pk: staff}
            )
    return len(DEMO)
