"""Employer collaboration for the demo (``seed_demo``): made-up employers
with contact people and a contact log, job orders with the matching's
proposals, and placements that agree with the published results the demo
shows.

- Every demo participant closed with a job result has the employment
  behind it: at a demo employer, from the day of the closure, with the
  result's form of support (*nystartsjobb*, *lönebidrag*, *introjobb*,
  *extratjänst*; none for *jobb utan stöd*). So the employer page's hires
  per form of support are the results' self-support categories.
- A few active participants whose goal is work and whose stepwise move is
  *praktik/arbetsprövning* have an internship at a demo employer, linked
  to that move (the placement service links it; it never makes a move).
- Open job orders with the rules' proposals; one proposal confirmed and
  presented under a consent that covers it, one at the interview stage. No
  hire in the programme: the results already count every job.

Everything goes through the services the pages use. The organisation
numbers are made up: the series 5521…, which no company has, with a valid
check digit. Running it again changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from stdnum import luhn

from employers import matching
from employers import services as employers
from employers.models import Employer, EmployerContact, JobOrder, Match, Placement, SupportForm
from mapping.models import StepwiseMove
from participants.models import ClosureResult, Consent, Participant
from participants.services import consent_record
from rattinsats.models import User
from referrals.models import week_monday

# name, industry, SNI code, the contact person (name, role)
EMPLOYERS = [
    (
        "Exempellagret i Eskilstuna AB",
        "Lager och logistik",
        "52100",
        ("Kim Lagersson", "Lagerchef"),
    ),
    ("Demobutiken Livs AB", "Dagligvaruhandel", "47111", ("Sara Kassadotter", "Butikschef")),
    ("Påhittade Gaffeln Restaurang AB", "Restaurang", "56100", ("Ali Kocksson", "Köksmästare")),
    (
        "Exempelgårdens Återbruk AB",
        "Återbruk och second hand",
        "47791",
        ("Eva Återsson", "Verksamhetsledare"),
    ),
    ("Låtsasvården Omsorg AB", "Vård och omsorg", "87301", ("Nils Omsorgsson", "Enhetschef")),
    ("Demoverkstaden AB", "Verkstadsindustri", "25620", ("Maria Svetsare", "Produktionsledare")),
]

# The employer of each job result (index into EMPLOYERS), and its form of support.
JOB_RESULTS = {
    ClosureResult.NYSTARTSJOBB: (0, SupportForm.NYSTARTSJOBB),
    ClosureResult.LONEBIDRAG: (4, SupportForm.LONEBIDRAG),
    ClosureResult.INTROJOBB: (2, SupportForm.INTROJOBB),
    ClosureResult.EXTRATJANST: (3, SupportForm.EXTRATJANST),
    ClosureResult.JOB_WITHOUT_SUPPORT: (5, SupportForm.NONE),
}

# employer, occupation, SSYK, positions, requirements, support form, days to apply
ORDERS = [
    (
        0,
        "Lagerarbetare",
        "4321",
        2,
        "B-körkort. Truckkort är meriterande.",
        SupportForm.NYSTARTSJOBB,
        21,
    ),
    (
        2,
        "Restaurangbiträde",
        "9412",
        1,
        "Svenska i tal. Arabiska är meriterande.",
        SupportForm.INTROJOBB,
        14,
    ),
    (1, "Butikssäljare", "5230", 1, "B-körkort. Engelska.", SupportForm.NONE, 30),
]

INTERNSHIPS = 5


def demo_organisation_number(i: int) -> str:
    """A made-up organisation number with a valid check digit: 5521… is a
    series of the aktiebolag numbers no company has been given."""
    body = f"5521{i:05d}"
    digits = body + luhn.calc_check_digit(body)
    return f"{digits[:6]}-{digits[6:]}"


def demo_employers() -> int:
    """Create the demo's employer collaboration unless there are employers.
    Returns the number of employers created."""
    if Employer.objects.exists():
        return 0
    staff = list(User.objects.filter(username__in=["personal", "personal2"]).order_by("username"))
    if len(staff) < 2:
        return 0
    today = timezone.localdate()
    made = _employers(staff, today)
    _job_placements(made, today)
    _internships(made, today)
    orders = _orders(made, staff, today)
    _matching(orders, staff, today)
    return len(made)


def _employers(staff: list[User], today: datetime.date) -> list[Employer]:
    made = []
    monday = week_monday(today)
    for i, (name, industry, sni, (person, role)) in enumerate(EMPLOYERS):
        who = staff[i % 2]
        employer = employers.employer_create(
            actor=who,
            organisation_number=demo_organisation_number(i + 1),
            name=name,
            street_address=f"Exempelgatan {i + 1}",
            postal_code="632 20",
            city="Eskilstuna",
            industry=industry,
            sni_code=sni,
            responsible=who,
        )
        contact_person = employers.contact_person_create(
            actor=who,
            employer=employer,
            name=person,
            role=role,
            phone=f"070-000 1{i} 00",
            email=f"kontakt{i + 1}@example.invalid",
        )
        employers.employer_contact_record(
            actor=who,
            employer=employer,
            kind=EmployerContact.Kind.VISIT,
            date=today - datetime.timedelta(days=40 + 9 * i),
            staff=who,
            contact_person=contact_person,
            outcome="Besök på arbetsplatsen. Presenterade Rätt insats.",
        )
        if i < 3:
            # This week's calls: the weekly meeting's item shows them.
            employers.employer_contact_record(
                actor=who,
                employer=employer,
                kind=EmployerContact.Kind.CALL,
                date=max(monday, today - datetime.timedelta(days=i)),
                staff=who,
                contact_person=contact_person,
                outcome="Stämde av behovet av personal.",
                next_step="Skicka information om anställningsstöd" if i == 0 else "",
                next_step_due=today + datetime.timedelta(days=7) if i == 0 else None,
            )
        made.append(employer)
    return made


def _job_placements(made: list[Employer], today: datetime.date) -> None:
    """The employment behind each closure with a job result."""
    closed = (
        Participant.objects.filter(
            status=Participant.Status.CLOSED, closure_result__in=list(JOB_RESULTS)
        )
        .select_related("responsible")
        .order_by("end_date", "id")
    )
    for participant in closed:
        if participant.responsible is None or participant.end_date is None:
            continue
        index, support_form = JOB_RESULTS[ClosureResult(participant.closure_result)]
        employers.placement_create(
            actor=participant.responsible,
            participant=participant,
            employer=made[index],
            kind=Placement.Kind.EMPLOYMENT,
            support_form=support_form,
            start_date=participant.end_date,
            notes="Anställningen som avslutet gällde.",
        )


def _internships(made: list[Employer], today: datetime.date) -> None:
    """Internships for active participants whose current period's move is
    praktik/arbetsprövning, linked to that move."""
    moves = (
        StepwiseMove.objects.filter(
            participant__status=Participant.Status.ACTIVE,
            participant__responsible__isnull=False,
            category__code="praktik_arbetsprovning",
            period_start__lte=today,
            period_end__gte=today,
        )
        .select_related("participant", "participant__responsible")
        .order_by("participant__start_date", "participant_id")
    )
    for k, move in enumerate(moves[:INTERNSHIPS]):
        participant = move.participant
        responsible = participant.responsible
        if responsible is None:  # filtered out above
            continue
        start = max(move.period_start, today - datetime.timedelta(days=20 + 10 * k))
        if k == 0:
            start = max(move.period_start, week_monday(today))  # starts this week
        employers.placement_create(
            actor=responsible,
            participant=participant,
            employer=made[(0, 1, 5)[k % 3]],
            kind=Placement.Kind.INTERNSHIP,
            start_date=start,
            end_date=start + datetime.timedelta(weeks=8),
            notes="Praktik tre dagar i veckan.",
        )


def _orders(made: list[Employer], staff: list[User], today: datetime.date) -> list[JobOrder]:
    orders = []
    for k, (index, occupation, ssyk, positions, requirements, support_form, days) in enumerate(
        ORDERS
    ):
        orders.append(
            employers.job_order_create(
                actor=staff[k % 2],
                employer=made[index],
                occupation=occupation,
                ssyk_code=ssyk,
                positions=positions,
                requirements=requirements,
                extent="Heltid",
                start_date=today + datetime.timedelta(days=days + 14),
                support_form=support_form,
                apply_by=today + datetime.timedelta(days=days),
            )
        )
    # An order filled earlier, for the history.
    filled = employers.job_order_create(
        actor=staff[0],
        employer=made[3],
        occupation="Butiksbiträde second hand",
        positions=1,
        support_form=SupportForm.EXTRATJANST,
    )
    employers.job_order_update(
        actor=staff[0],
        job_order=filled,
        version=filled.version,
        occupation=filled.occupation,
        ssyk_code=filled.ssyk_code,
        positions=filled.positions,
        requirements=filled.requirements,
        extent=filled.extent,
        start_date=filled.start_date,
        support_form=filled.support_form,
        status=JobOrder.Status.FILLED,
        apply_by=filled.apply_by,
    )
    return orders


def _matching(orders: list[JobOrder], staff: list[User], today: datetime.date) -> None:
    """Each staff member runs the rules on the open orders; on the first
    order, one proposal is presented (under a consent that covers it) and
    is at the interview stage, another confirmed."""
    for order in orders:
        for who in staff:
            matching.match_propose(actor=who, job_order=order)
    proposals = list(
        Match.objects.filter(job_order=orders[0], status=Match.Status.PROPOSED)
        .select_related("participant__responsible", "job_order__employer")
        .order_by("participant__last_name", "participant_id")
    )
    if not proposals:
        return
    first = proposals[0]
    actor = first.participant.responsible
    assert actor is not None  # noqa: S101 - proposals are for participants with a responsible
    current = (
        Consent.objects.filter(participant=first.participant, withdrawn_at__isnull=True)
        .order_by("-valid_until")
        .prefetch_related("organisations")
        .first()
    )
    if current is not None:
        # The same consent renewed today, now also for employers: its end
        # date (the goal document's renewal date) stays.
        consent_record(
            actor=actor,
            participant=first.participant,
            organisations=list(current.organisations.all()),
            signed_on=today,
            valid_until=max(current.valid_until, today),
            covers_employer_presentation=True,
        )
        match = matching.match_confirm(actor=actor, match=first, version=first.version)
        match = matching.match_present(actor=actor, match=match, version=match.version)
        matching.match_outcome(
            actor=actor, match=match, version=match.version, status=Match.Status.INTERVIEW
        )
    if len(proposals) > 1:
        second = proposals[1]
        responsible = second.participant.responsible
        if responsible is not None:
            matching.match_confirm(actor=responsible, match=second, version=second.version)
