"""Casework for the demo participants: interventions, journal notes and
flags. Running it again changes nothing."""

import datetime

from django.utils import timezone

from casework import services as casework
from casework.models import Flag, Intervention, InterventionActivity, JournalNote
from participants.models import Participant
from rattinsats.models import Organisation

NOTES = [
    ("dag", "Ringde och bokade kartläggningsmöte."),
    ("journal", "Kartläggningsmöte. Vill arbeta inom lager eller handel."),
    ("dag", "Följde med på arbetsgivarbesök."),
]


def casework_demo() -> None:
    """Give each active demo participant an intervention or two, a few
    notes (one corrected) and flags, through the same services as the
    pages."""
    if JournalNote.objects.exists() or Intervention.objects.exists():
        return
    today = timezone.localdate()
    activities = list(InterventionActivity.objects.filter(active=True).order_by("track", "order"))
    orgs = {o.kind: o for o in Organisation.objects.all()}
    participants = Participant.objects.filter(
        status=Participant.Status.ACTIVE, responsible__isnull=False
    ).select_related("responsible")
    for i, participant in enumerate(participants.order_by("start_date", "id")):
        staff = participant.responsible
        if staff is None:  # filtered out above
            continue
        start = participant.start_date
        casework.intervention_create(
            actor=staff,
            participant=participant,
            activity=activities[(3 * i) % len(activities)],
            start_date=start + datetime.timedelta(days=7),
            end_date=min(start + datetime.timedelta(days=35), today),
            notes="Genomfört enligt plan.",
        )
        casework.intervention_create(
            actor=staff,
            participant=participant,
            activity=activities[(3 * i + 1) % len(activities)],
            start_date=min(start + datetime.timedelta(days=21), today),
        )
        written = []
        for k, (kind, text) in enumerate(NOTES):
            day = min(start + datetime.timedelta(days=2 + 7 * k), today)
            written.append(
                casework.journal_note_create(
                    actor=staff, participant=participant, kind=kind, happened_on=day, text=text
                )
            )
        if i % 2 == 0:
            casework.journal_note_create(
                actor=staff,
                participant=participant,
                kind=written[1].kind,
                happened_on=written[1].happened_on,
                text=written[1].text + " Har B-körkort.",
                corrects=written[1],
            )
        start_flag = casework.flag_create(
            actor=staff,
            participant=participant,
            organisation=orgs["ekonomiskt_bistand"],
            reason="Start i Rätt insats.",
            kind=Flag.Kind.START,
        )
        casework.flag_set_status(actor=staff, flag=start_flag, status=Flag.Status.SENT)
        if i % 3 == 0:
            casework.flag_create(
                actor=staff,
                participant=participant,
                organisation=orgs["arbetsformedlingen"],
                reason="Behöver lönestöd utrett.",
            )
