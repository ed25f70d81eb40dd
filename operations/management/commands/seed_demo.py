"""A demo database: organisations, one account per role and participants.

Running it again on a seeded database changes nothing.
"""

import datetime
import itertools
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from casework.models import Flag
from casework.services import flag_set_status
from closure.models import EmploymentStatus, IncomeSource, OtherClosureReason
from closure.services import participant_close, status_at_start_record
from mapping.models import MoveCategory
from mapping.services import moves_record_history
from operations.demo.casework import casework_demo
from operations.demo.employers import demo_employers
from operations.demo.mapping import demo_goal_documents
from operations.demo.referrals import demo_referrals_ensure
from participants.models import ClosureReason, ClosureResult, Gender, Participant
from participants.periods import period_bounds
from participants.services import consent_record, participant_create, task_complete
from rattinsats import testnumbers
from rattinsats.models import Organisation, Role, User
from rattinsats.services import account_create

DEMO_PASSWORD = "RattInsats-demo-2026"  # noqa: S105 - printed and documented on purpose

ORG = Organisation.Kind
ACCOUNTS = [
    # username, first name, last name, role, organisation
    ("personal", "Petra", "Persson", Role.STAFF, ORG.JOBBCENTRUM),
    ("personal2", "Karim", "Lind", Role.STAFF, ORG.EKONOMISKT_BISTAND),
    ("arbetsformedlare", "Anna", "Berg", Role.EMPLOYMENT_OFFICER, ORG.ARBETSFORMEDLINGEN),
    ("vagledare", "Vera", "Holm", Role.COUNSELLOR, ORG.JOBBCENTRUM),
    ("af-handlaggare", "Omar", "Sund", Role.COUNSELLOR, ORG.ARBETSFORMEDLINGEN),
    ("styrgrupp", "Stina", "Ek", Role.STEERING, ORG.EKONOMISKT_BISTAND),
    ("admin", "Adam", "Dahl", Role.ADMIN, ORG.JOBBCENTRUM),
]

# Made-up names for the demo participants.
WOMEN = [
    "Alva",
    "Sanna",
    "Leila",
    "Maja",
    "Ebba",
    "Nour",
    "Tove",
    "Hanna",
    "Amira",
    "Linnea",
    "Fatima",
    "Wilma",
    "Selma",
    "Jasmin",
    "Ronja",
    "Iris",
    "Meja",
    "Saga",
]
MEN = [
    "Erik",
    "Johan",
    "Ali",
    "Mikael",
    "Oskar",
    "Samir",
    "Viktor",
    "Emil",
    "Hassan",
    "Linus",
    "Anton",
    "Yusuf",
    "Felix",
    "Jonas",
    "Kevin",
    "Rami",
    "Arvid",
    "Hugo",
    "Mattias",
]
SURNAMES = [
    "Testsson",
    "Provare",
    "Exempelsdotter",
    "Demoberg",
    "Fiktivsson",
    "Påhittad",
    "Låtsasson",
    "Övningsberg",
    "Mallström",
    "Skenlund",
    "Prototypsson",
]

# The programme's published results (domain.md §9), which the demo
# participants reproduce exactly: 63 participants, 26 women and 37 men.
DEMO_WOMEN, DEMO_MEN = 26, 37
# Closed with self-support, by result (the results contract's keys).
DEMO_SELF_SUPPORT = {
    "csn_studies": 6,
    "job_without_support": 5,
    "extratjanst": 8,
    "lonebidrag": 1,
    "nystartsjobb": 3,
    "introjobb": 2,
}
DEMO_OTHER_REASONS = 8  # closed for other reasons (övriga skäl)
DEMO_NO_SELF_SUPPORT = 2  # closed for work, but not self-supporting
# Everyone without self-support has one move category of their own; some of
# those who reached self-support made a move of one category first.
DEMO_MOVES_WITHOUT_SELF_SUPPORT = {
    "praktik_arbetsprovning": 20,
    "arbets_studieformaga": 12,
    "studier_annan_ersattning": 6,
}
DEMO_MOVES_BEFORE_SELF_SUPPORT = {
    "praktik_arbetsprovning": 3,
    "arbets_studieformaga": 4,
    "studier_annan_ersattning": 2,
}
PREPARING = "forberedande_mot_arbete"  # recorded, but not a move


class Command(BaseCommand):
    help = "Skapar demodata: organisationer, ett konto per roll och deltagare."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="Lösenord för alla demokonton."
        )

    def handle(self, *args, password, **options):
        # The demo's notifications would e-mail the demo accounts; in debug
        # the console backend prints each mail, raw MIME, after the commit.
        # Nobody reads them: none is sent, and the logins are printed last.
        # Their mail jobs run here and now, into the dummy backend, rather
        # than wait in the queue for a worker to print them.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ):
            self._seed(password)
        self.stdout.write(self.style.SUCCESS("Demodata klar. Inloggningar:"))
        for username, _first, _last, role, _org in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {password:<24} {role.label}")

    @transaction.atomic
    def _seed(self, password):
        accounts = self._accounts(password)
        if not Participant.objects.exists():
            self._participants(accounts)
        demo_referrals_ensure()
        demo_goal_documents()
        casework_demo()
        demo_employers()

    def _accounts(self, password):
        orgs = {o.kind: o for o in Organisation.objects.all()}
        accounts = {}
        for username, first, last, role, org_kind in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = account_create(
                    actor=None,
                    username=username,
                    first_name=first,
                    last_name=last,
                    role=role,
                    organisation=orgs[org_kind],
                    email=f"{username}@example.invalid",
                    is_superuser=role == Role.ADMIN,
                    # The employment officer spends most of the week on
                    # referrals and information calls: fewer cases.
                    capacity=25 if role == Role.EMPLOYMENT_OFFICER else 100,
                    password=password,
                    detail="demodata",
                )
            accounts[username] = user
        return accounts

    def _participants(self, accounts):
        """Participants whose results reproduce the published table. Start
        dates spread over about three and a half years up to a couple of
        months ago; the earlier ones are closed, the later ones active."""
        staff = [accounts["personal"], accounts["personal2"]]
        officer = accounts["arbetsformedlare"]
        orgs = {o.kind: o for o in Organisation.objects.all()}
        consent_orgs = list(orgs.values())
        categories = {c.code: c for c in MoveCategory.objects.all()}
        today = timezone.localdate()
        numbers = _NumbersByBirthYear()
        for i, plan in enumerate(_demo_plan()):
            is_woman = plan["gender"] == Gender.WOMAN
            responsible = staff[i % 2]
            start = today - datetime.timedelta(days=1250 - 19 * i)
            referrer = orgs[ORG.ARBETSFORMEDLINGEN if i % 3 == 2 else ORG.JOBBCENTRUM]
            participant = participant_create(
                actor=officer,
                # Birth years spread over 1964–2003: ages 20 to 60.
                personnummer=numbers.take(1964 + (i * 17) % 40, male=not is_woman),
                first_name=(WOMEN if is_woman else MEN)[i % (len(WOMEN) if is_woman else len(MEN))],
                last_name=SURNAMES[(i * 7) % len(SURNAMES)],
                gender=plan["gender"],
                start_date=start,
                responsible=responsible,
                phone=f"070-000 {i // 100:02d} {i % 100:02d}",
                target_group="AF14" if referrer.kind == ORG.ARBETSFORMEDLINGEN else "FS",
                sus_consent=i % 4 != 0,
                referring_organisation=referrer,
            )
            end = None
            if plan["closure"] is not None:
                end = min(
                    start + datetime.timedelta(days=150 + (i * 53) % 400),
                    today - datetime.timedelta(days=10 + i % 7),
                )
            # One active participant's consent close to its end, to show the
            # renewal task. A closed participant's consent still covers the
            # organisations on the day the closure is recorded, so that the
            # closure flags can go out.
            valid_until = today + datetime.timedelta(days=20 if i == 40 else 200 + i)
            consent_record(
                actor=responsible,
                participant=participant,
                organisations=consent_orgs,
                signed_on=start,
                valid_until=valid_until,
            )
            self._moves(participant, plan, end or today, categories, responsible, i)
            self._snapshot(participant, *_start_status(participant), responsible)
            if plan["closure"] is not None:
                reason, result = plan["closure"]
                self._close(participant, reason, result, end, responsible, i)

    def _close(self, participant, reason, result, end, responsible, i):
        """Close through the closure workflow. For a closure more than a
        month and a half ago, its flags have since been handled and its
        follow-up done, as staff would have recorded it."""
        employment_status, income_source = _end_status(reason, result, i)
        closure = participant_close(
            actor=responsible,
            participant=participant,
            closed_on=end,
            reason=reason,
            result=result,
            other_reason=""
            if reason != ClosureReason.OTHER
            else OTHER_REASONS[i % len(OTHER_REASONS)],
            note="Avslutad enligt plan." if reason != ClosureReason.OTHER else "Se journalen.",
            employment_status=employment_status,
            income_source=income_source,
        )
        if (timezone.localdate() - end).days <= 45:
            return
        for flag in closure.flags.all():
            flag_set_status(actor=responsible, flag=flag, status=Flag.Status.SENT)
            flag_set_status(actor=responsible, flag=flag, status=Flag.Status.DONE)
        if closure.follow_up_task is not None:
            task_complete(actor=responsible, task=closure.follow_up_task)

    def _moves(self, participant, plan, last_day, categories, recorded_by, i):
        """One move per three-month period begun by ``last_day``; some begin
        with preparing for work, which is recorded but is not a move. They
        are written as history, the way the workbook import writes them."""
        periods = []
        for k in range(1, 9):
            first, _last = period_bounds(participant.start_date, k)
            if first > last_day:
                break
            periods.append(k)
        moves = {}
        for k in periods:
            code = plan["move"]
            if code is None or (k == 1 and len(periods) > 1 and i % 3 == 0):
                code = PREPARING
            moves[k] = categories[code]
        moves_record_history(actor=recorded_by, participant=participant, moves=moves)

    def _snapshot(self, participant, employment_status, income_source, recorded_by):
        status_at_start_record(
            actor=recorded_by,
            participant=participant,
            employment_status=employment_status,
            income_source=income_source,
        )


OTHER_REASONS = [
    OtherClosureReason.NOT_REACHABLE,
    OtherClosureReason.LONG_SICK_LEAVE,
    OtherClosureReason.OTHER_INTERVENTION,
    OtherClosureReason.NO_MOVE,
]


class _NumbersByBirthYear:
    """Skatteverket's test numbers, handed out by birth year and sex, each once."""

    def __init__(self):
        self.unused: dict[tuple[int, bool], list[str]] = {}
        for number in testnumbers.working_age(born_from=1964, born_to=2003):
            male = int(number[10]) % 2 == 1
            self.unused.setdefault((int(number[:4]), male), []).append(number)

    def take(self, year: int, *, male: bool) -> str:
        for candidate in itertools.chain(range(year, 2004), range(year - 1, 1963, -1)):
            numbers = self.unused.get((candidate, male))
            if numbers:
                return numbers.pop(0)
        raise LookupError("no test number left")


def _demo_plan() -> list[dict]:
    """Gender, closure and move category of each demo participant, in a
    fixed shuffled order (the same on every run)."""
    rng = random.Random(2023)  # noqa: S311 - demo data, not security
    genders = [Gender.WOMAN] * DEMO_WOMEN + [Gender.MAN] * DEMO_MEN
    rng.shuffle(genders)
    closures: list[tuple[str, str] | None] = [
        (ClosureReason.STUDIES if result == "csn_studies" else ClosureReason.WORK, result)
        for result, n in DEMO_SELF_SUPPORT.items()
        for _ in range(n)
    ]
    closures += [(ClosureReason.OTHER, "")] * DEMO_OTHER_REASONS
    closures += [(ClosureReason.WORK, ClosureResult.NO_SELF_SUPPORT)] * DEMO_NO_SELF_SUPPORT
    rng.shuffle(closures)
    # The earliest starters are the closed ones.
    closures += [None] * (len(genders) - len(closures))
    own = [code for code, n in DEMO_MOVES_WITHOUT_SELF_SUPPORT.items() for _ in range(n)]
    rng.shuffle(own)
    self_supporting = sum(DEMO_SELF_SUPPORT.values())
    before: list[str | None] = [
        code for code, n in DEMO_MOVES_BEFORE_SELF_SUPPORT.items() for _ in range(n)
    ]
    before += [None] * (self_supporting - len(before))
    rng.shuffle(before)
    plans = []
    for gender, closure in zip(genders, closures, strict=True):
        reached = closure is not None and closure[1] in DEMO_SELF_SUPPORT
        move = before.pop() if reached else own.pop()
        plans.append({"gender": gender, "closure": closure, "move": move})
    return plans


def _start_status(participant) -> tuple[str, str]:
    if participant.target_group == "AF14":
        return EmploymentStatus.OTHER, IncomeSource.SJUKPENNING
    return EmploymentStatus.SEEKING_WORK, IncomeSource.EKONOMISKT_BISTAND


def _end_status(reason, result, i):
    if result == ClosureResult.CSN_STUDIES:
        return EmploymentStatus.STUDIES, IncomeSource.CSN
    if result == ClosureResult.JOB_WITHOUT_SUPPORT:
        return EmploymentStatus.PAID_WORK, IncomeSource.SALARY
    if result in DEMO_SELF_SUPPORT:
        return EmploymentStatus.SUBSIDISED_WORK, IncomeSource.SALARY
    if reason == ClosureReason.WORK:
        return EmploymentStatus.SUBSIDISED_WORK, IncomeSource.EKONOMISKT_BISTAND
    if i % 2:
        return EmploymentStatus.OTHER, IncomeSource.SJUKPENNING
    return EmploymentStatus.SEEKING_WORK, IncomeSource.AKTIVITETSSTOD
