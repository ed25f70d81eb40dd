from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from closure.models import Closure
from mapping.models import StepwiseMove
from participants.models import Participant
from participants.periods import period_bounds
from rattinsats.models import Role, User
from rattinsats.personnummer import is_valid
from rattinsats.testnumbers import personnummer


def test_it_creates_one_account_per_role_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", "--password", "Demo-losenord-123", stdout=out)
    assert "personal" in out.getvalue() and "Demo-losenord-123" in out.getvalue()
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "personal": Role.STAFF,
        "personal2": Role.STAFF,
        "arbetsformedlare": Role.EMPLOYMENT_OFFICER,
        "vagledare": Role.COUNSELLOR,
        "af-handlaggare": Role.COUNSELLOR,
        "styrgrupp": Role.STEERING,
        "admin": Role.ADMIN,
    }
    participants = Participant.objects.count()
    assert participants > 0
    call_command("seed_demo", "--password", "Demo-losenord-123", stdout=StringIO())
    assert User.objects.count() == 7
    assert Participant.objects.count() == participants


def test_it_uses_only_skatteverket_test_numbers(db):
    call_command("seed_demo", stdout=StringIO())
    known = set(personnummer())
    for number in Participant.objects.values_list("personnummer", flat=True):
        assert is_valid(number) and number in known


# The example of the results contract (product.md), which is the
# programme's published table (domain.md §9).
PUBLISHED_RESULTS = {
    "period": {"from": None, "to": None},
    "participants": {"total": 63, "women": 26, "men": 37, "other": 0},
    "self_support": {
        "total": 25,
        "share": 0.3968,
        "by_category": {
            "csn_studies": 6,
            "job_without_support": 5,
            "extratjanst": 8,
            "lonebidrag": 1,
            "nystartsjobb": 3,
            "introjobb": 2,
        },
    },
    "stepwise_moves": {
        "participants_with_move": 63,
        "by_category": {
            "praktik_arbetsprovning": 23,
            "arbets_studieformaga": 16,
            "studier_annan_ersattning": 8,
            "ovriga_skal": 8,
        },
    },
    "goals": {"delmal_2_all_moved": True, "delmal_3_share_target": 0.2, "delmal_3_met": True},
}


def test_it_reproduces_the_published_results(db):
    call_command("seed_demo", stdout=StringIO())
    client = Client()
    client.force_login(User.objects.get(username="styrgrupp"))
    response = client.get(reverse("reports:results_json"))
    assert response.status_code == 200
    assert response.json() == PUBLISHED_RESULTS
    # Running it again changes nothing.
    call_command("seed_demo", stdout=StringIO())
    assert client.get(reverse("reports:results_json")).json() == PUBLISHED_RESULTS


def test_it_spreads_the_demo_participants_over_the_programme(db):
    call_command("seed_demo", stdout=StringIO())
    today = timezone.localdate()
    starts = sorted(Participant.objects.values_list("start_date", flat=True))
    assert (today - starts[0]).days > 3 * 365 and (today - starts[-1]).days < 120
    active = Participant.objects.filter(status=Participant.Status.ACTIVE)
    assert active.count() == 28
    assert all((today - p.start_date).days < 2 * 365 for p in active)
    closed = Participant.objects.filter(status=Participant.Status.CLOSED)
    assert all(p.start_date <= p.end_date < today for p in closed)
    # Every move lies in its own three-month period, none in the future.
    for move in StepwiseMove.objects.select_related("participant"):
        first, last = period_bounds(move.participant.start_date, move.period)
        assert (move.period_start, move.period_end) == (first, last)
        assert move.period_start <= (move.participant.end_date or today)
    # Varied ages, all of working age at the start.
    ages = {p.start_date.year - int(p.personnummer[:4]) for p in Participant.objects.all()}
    assert min(ages) >= 18 and max(ages) <= 64 and len(ages) > 15
    # Closed through the closure workflow: a closure record with its end
    # status and flags for each.
    assert Closure.objects.filter(reopened_at__isnull=True).count() == closed.count()
    assert all(p.closures.get().flags.count() == 3 for p in closed)
