"""The eligibility criteria of a referral (domain.md §3), as a pure function
so the form, the service and the tests agree on one wording.

All of: age 18–64 on the referral date; assessed as needing deeper support;
not referred to another AF intervention. And one of two routes:
(a) registered jobseeker at the AF *and* supported by social assistance
(target group FS), or (b) jobseeker category 14 *and* on sick leave that
ends within 1–2 weeks (target group AF14).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from participants.models import TargetGroup

MIN_AGE = 18
MAX_AGE = 64


@dataclass(frozen=True)
class Answers:
    needs_deeper_support: bool
    other_af_intervention: bool
    registered_jobseeker: bool
    social_assistance: bool
    jobseeker_category_14: bool
    sick_leave_ending: bool


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def eligibility_problems(
    answers: Answers, *, birth_date: datetime.date, referred_on: datetime.date
) -> dict[str, str]:
    """The criteria that are not met, by the form field that shows them.
    Empty when the person is eligible."""
    problems: dict[str, str] = {}
    age = age_on(birth_date, referred_on)
    if not MIN_AGE <= age <= MAX_AGE:
        problems["personnummer"] = _(
            "Personen är %(age)s år på anvisningsdatumet. Rätt insats tar emot personer "
            "som är 18–64 år."
        ) % {"age": age}
    if not answers.needs_deeper_support:
        problems["needs_deeper_support"] = _(
            "Personen ska vara bedömd att behöva fördjupat stöd för att nå egen försörjning."
        )
    if answers.other_af_intervention:
        problems["other_af_intervention"] = _(
            "Personen får inte vara anvisad till en annan insats via Arbetsförmedlingen "
            "(till exempel KROM eller Rusta och matcha)."
        )
    if target_group_for(answers) is None:
        missing_a = []
        if not answers.registered_jobseeker:
            missing_a.append(_("personen är inte inskriven som arbetssökande"))
        if not answers.social_assistance:
            missing_a.append(_("personen har inte försörjning genom ekonomiskt bistånd"))
        missing_b = []
        if not answers.jobseeker_category_14:
            missing_b.append(_("personen har inte sökandekategori 14"))
        if not answers.sick_leave_ending:
            missing_b.append(_("personen har ingen sjukskrivning som upphör inom 1–2 veckor"))
        problems["__all__"] = _(
            "Inget av villkorsparen är uppfyllt. (a) Arbetssökande med ekonomiskt bistånd: "
            "%(a)s. (b) Sökandekategori 14 med sjukskrivning som upphör: %(b)s."
        ) % {"a": ", ".join(missing_a), "b": ", ".join(missing_b)}
    return problems


def target_group_for(answers: Answers) -> str | None:
    """The route in: FS for pair (a), AF14 for pair (b), None for neither.
    A person meeting both is counted by the social-assistance route."""
    if answers.registered_jobseeker and answers.social_assistance:
        return TargetGroup.FS
    if answers.jobseeker_category_14 and answers.sick_leave_ending:
        return TargetGroup.AF14
    return None
