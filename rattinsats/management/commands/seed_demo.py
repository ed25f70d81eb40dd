"""A demo database: organisations, one account per role and participants.

Running it again on a seeded database changes nothing.
"""

import datetime
import itertools

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from mapping.models import MoveCategory, StepwiseMove
from mapping.periods import period_bounds
from participants.closure_demo import demo_closures_ensure
from participants.models import Gender, Participant
from participants.services import consent_record, participant_create
from rattinsats import testnumbers
from rattinsats.models import Organisation, Role, User
from rattinsats.services import account_sync_role

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
WOMEN = ["Alva", "Sanna", "Leila", "Maja", "Ebba", "Nour", "Tove", "Hanna"]
MEN = ["Erik", "Johan", "Ali", "Mikael", "Oskar", "Samir", "Viktor", "Emil"]
SURNAMES = ["Testsson", "Provare", "Exempelsdotter", "Demoberg", "Fiktivsson", "Påhittad"]


class Command(BaseCommand):
    help = "Skapar demodata: organisationer, ett konto per roll och deltagare."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="Lösenord för alla demokonton."
        )

    @transaction.atomic
    def handle(self, *args, password, **options):
        accounts = self._accounts(password)
        if not Participant.objects.exists():
            self._participants(accounts)
        demo_closures_ensure()
        self.stdout.write(self.style.SUCCESS("Demodata klar. Inloggningar:"))
        for username, _first, _last, role, _org in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {password:<24} {role.label}")

    def _accounts(self, password):
        orgs = {o.kind: o for o in Organisation.objects.all()}
        accounts = {}
        for username, first, last, role, org_kind in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    role=role,
                    organisation=orgs[org_kind],
                    email=f"{username}@example.invalid",
                    is_superuser=role == Role.ADMIN,
                )
                user.set_password(password)
                user.save()
            account_sync_role(user)
            accounts[username] = user
        return accounts

    def _participants(self, accounts):
        officer = accounts["arbetsformedlare"]
        staff = [accounts["personal"], accounts["personal2"]]
        orgs = list(Organisation.objects.all())
        categories = list(MoveCategory.objects.filter(counts_as_move=True).order_by("order"))
        today = timezone.localdate()
        women = testnumbers.working_age(male=False)
        men = testnumbers.working_age(male=True)
        surnames = itertools.cycle(SURNAMES)
        for i in range(8):
            is_woman = i % 2 == 0
            number = next(women if is_woman else men)
            start = today - datetime.timedelta(days=30 + 45 * i)
            participant = participant_create(
                actor=officer,
                personnummer=number,
                first_name=(WOMEN if is_woman else MEN)[i],
                last_name=next(surnames),
                gender=Gender.WOMAN if is_woman else Gender.MAN,
                start_date=start,
                responsible=staff[i % 2],
                phone=f"070-000 00 {i:02d}",
                target_group="FS" if i % 3 else "AF14",
                sus_consent=i % 4 != 0,
                referring_organisation=orgs[i % len(orgs)],
            )
            # One consent close to its end, to show the renewal task.
            consent_record(
                actor=staff[i % 2],
                participant=participant,
                organisations=orgs,
                signed_on=start,
                valid_until=today + datetime.timedelta(days=20 if i == 1 else 300),
            )
            for k in range(1, 9):
                first, last = period_bounds(start, k)
                if last >= today:
                    break
                StepwiseMove.objects.create(
                    participant=participant,
                    period=k,
                    period_start=first,
                    period_end=last,
                    category=categories[(i + k) % len(categories)],
                    recorded_by=staff[i % 2],
                )
