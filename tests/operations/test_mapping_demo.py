from io import StringIO

from django.core.management import call_command

from mapping.models import GoalDocument, MappingDocument
from participants.models import Participant


def test_seed_demo_gives_every_participant_goal_and_mapping_documents(db):
    call_command("seed_demo", stdout=StringIO())
    count = Participant.objects.count()
    assert GoalDocument.objects.filter(goal__gt="").count() == count
    assert MappingDocument.objects.count() == count
    versions = list(GoalDocument.objects.values_list("version", flat=True))
    call_command("seed_demo", stdout=StringIO())
    assert list(GoalDocument.objects.values_list("version", flat=True)) == versions
