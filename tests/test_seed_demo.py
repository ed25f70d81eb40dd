from io import StringIO

from django.core.management import call_command

from participants.models import Participant
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
