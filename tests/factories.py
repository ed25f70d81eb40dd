"""factory_boy factories. Personal identity numbers come from Skatteverket's
test numbers only."""

import datetime
import importlib
import itertools
import uuid

import factory
from django.utils import timezone

from participants.models import Consent, Gender, Participant
from participants.services import grant_access
from rattinsats import testnumbers
from rattinsats.models import Organisation, Role, User

_numbers = itertools.cycle(list(testnumbers.working_age()))


def next_personnummer() -> str:
    return next(_numbers)


def ensure_reference_data() -> None:
    """Organisations and catalogues as the data migrations create them.

    Transactional tests (the browser tests) empty every table when they
    end, migration data included; tests that need it call this first.
    """
    from mapping.models import MoveCategory

    orgs = importlib.import_module("rattinsats.migrations.0002_organisations")
    for kind, name in orgs.ORGANISATIONS:
        Organisation.objects.get_or_create(kind=kind, defaults={"name": name})
    moves = importlib.import_module("mapping.migrations.0002_move_categories")
    for code, name, counts, order in moves.CATEGORIES:
        MoveCategory.objects.get_or_create(
            code=code, defaults={"name": name, "counts_as_move": counts, "order": order}
        )
    ensure_casework_reference_data()


def organisation(kind: str) -> Organisation:
    if not Organisation.objects.filter(kind=kind).exists():
        ensure_reference_data()
    return Organisation.objects.get(kind=kind)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare{n}")
    role = Role.STAFF
    organisation = factory.LazyFunction(lambda: organisation("jobbcentrum"))
    password = factory.django.Password("Testlösenord-123")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        skip_postgeneration_save = True

    personnummer = factory.LazyFunction(next_personnummer)
    first_name = factory.Iterator(["Alva", "Erik", "Sanna", "Ali"])
    last_name = factory.Sequence(lambda n: f"Testsson{n}")
    gender = Gender.WOMAN
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=40))
    responsible = factory.SubFactory(UserFactory)

    @factory.post_generation
    def access(obj, create, extracted, **kwargs):
        if create and obj.responsible is not None:
            grant_access(obj, obj.responsible)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent
        skip_postgeneration_save = True

    participant = factory.SubFactory(ParticipantFactory)
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=40))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    recorded_by = factory.LazyAttribute(lambda o: o.participant.responsible)

    @factory.post_generation
    def organisations(obj, create, extracted, **kwargs):
        if create:
            ensure_reference_data()
            obj.organisations.set(extracted or Organisation.objects.all())


def referral_counsellor(kind: str = "jobbcentrum") -> User:
    """A counsellor entitled to refer (JobbCentrum or the AF)."""
    return UserFactory(role=Role.COUNSELLOR, organisation=organisation(kind))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral as the counsellor sent it (status "received"); eligible by
    route (a), with a consent covering every organisation."""

    class Meta:
        model = "referrals.Referral"
        skip_postgeneration_save = True

    submission_key = factory.LazyFunction(uuid.uuid4)
    referred_by = factory.LazyFunction(referral_counsellor)
    referring_organisation = factory.LazyAttribute(lambda o: o.referred_by.organisation)
    personnummer = factory.LazyFunction(next_personnummer)
    first_name = factory.Iterator(["Maja", "Omar", "Lina", "Kim"])
    last_name = factory.Sequence(lambda n: f"Anvisadsson{n}")
    gender = Gender.WOMAN
    needs_deeper_support = True
    other_af_intervention = False
    registered_jobseeker = True
    social_assistance = True
    jobseeker_category_14 = False
    sick_leave_ending = False
    target_group = "FS"
    reason = "Behöver stöd på vägen mot arbete."
    consent_signed_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=3)
    )

    @factory.post_generation
    def consent_organisations(obj, create, extracted, **kwargs):
        if create:
            ensure_reference_data()
            obj.consent_organisations.set(extracted or Organisation.objects.all())


def move_category(code: str):
    """A move category seeded by the data migration, by its code."""
    from mapping.models import MoveCategory

    if not MoveCategory.objects.filter(code=code).exists():
        ensure_reference_data()
    return MoveCategory.objects.get(code=code)


def _period_bounds(move):
    from participants.periods import period_bounds

    return period_bounds(move.participant.start_date, move.period)


class StepwiseMoveFactory(factory.django.DjangoModelFactory):
    """A recorded move; ``period_start``/``period_end`` follow the period."""

    class Meta:
        model = "mapping.StepwiseMove"

    participant = factory.SubFactory(ParticipantFactory)
    period = 1
    category = factory.LazyFunction(lambda: move_category("praktik_arbetsprovning"))
    recorded_by = factory.LazyAttribute(lambda o: o.participant.responsible)
    period_start = factory.LazyAttribute(lambda o: _period_bounds(o)[0])
    period_end = factory.LazyAttribute(lambda o: _period_bounds(o)[1])


def ensure_casework_reference_data() -> None:
    """The intervention catalogue as its data migration creates it."""
    from casework.models import InterventionActivity

    casework = importlib.import_module("participants.migrations.0003_casework")
    for track, name, order in casework.ACTIVITIES:
        InterventionActivity.objects.get_or_create(
            track=track, name=name, defaults={"order": order}
        )


def activity(name: str = "Arbetsprövning", track: str = "formaga"):
    from casework.models import InterventionActivity

    ensure_casework_reference_data()
    return InterventionActivity.objects.get(track=track, name=name)
