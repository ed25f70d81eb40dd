from io import StringIO

from django.core.management import call_command

from rattinsats.testnumbers import personnummer
from referrals.models import Referral


def test_seed_demo_adds_referrals_in_each_state_once(db):
    call_command("seed_demo", stdout=StringIO())
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {"received", "ready", "returned", "allocated"}
    count = Referral.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Referral.objects.count() == count
    known = set(personnummer())
    assert all(n in known for n in Referral.objects.values_list("personnummer", flat=True))
