"""Write the goal-document workbook of every participant."""

from django.core.management.base import BaseCommand

from operations.workbook import export_workbook
from participants.models import Participant
from rattinsats.audit import Action, audit_log


class Command(BaseCommand):
    help = "Exporterar måldokumentet (alla deltagare) till en Excel-arbetsbok (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Arbetsboken som ska skrivas, t.ex. maldokument.xlsx")

    def handle(self, *args, file, **options):
        count = export_workbook(Participant.objects.all(), file)
        audit_log(
            actor=None,
            action=Action.EXPORT,
            object_type="mapping.goaldocument",
            detail=f"export_goal_document, {count} rader",
        )
        self.stdout.write(self.style.SUCCESS(f"{count} deltagare exporterade."))
