"""The demo database holds closures of different kinds."""

from io import StringIO

from django.core.management import call_command

from participants.models import Closure, ClosureReason, Flag, Participant, Task


def test_it_seeds_closures_of_different_kinds_once(db):
    call_command("seed_demo", stdout=StringIO())
    closures = Closure.objects.select_related("participant")
    assert sorted(c.reason for c in closures) == sorted([ClosureReason.WORK, ClosureReason.OTHER])
    for closure in closures:
        participant = closure.participant
        assert participant.status == Participant.Status.CLOSED
        assert participant.end_date == closure.closed_on
        assert not participant.moves.filter(period_start__gt=closure.closed_on).exists()
    assert Task.objects.filter(kind=Task.Kind.FOLLOW_UP).count() == 1
    assert Flag.objects.filter(kind=Flag.Kind.CLOSURE).count() == 6

    call_command("seed_demo", stdout=StringIO())
    assert Closure.objects.count() == 2
    assert Task.objects.filter(kind=Task.Kind.FOLLOW_UP).count() == 1
