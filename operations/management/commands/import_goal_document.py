"""Read a goal-document workbook into the database: all rows or none."""

from django.core.management.base import BaseCommand, CommandError

from operations.workbook import import_workbook, system_actor


class Command(BaseCommand):
    help = (
        "Importerar måldokumentet från en Excel-arbetsbok (.xlsx). Ingenting importeras om "
        "någon rad är felaktig; varje fel skrivs ut med rad och kolumn."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Arbetsboken som ska läsas")
        parser.add_argument(
            "--create-missing-staff",
            action="store_true",
            help="Skapa inaktiva medarbetarkonton (utan lösenord) för okända Ansvarig.",
        )

    def handle(self, *args, file, create_missing_staff, **options):
        try:
            source = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Filen kan inte läsas: {file}") from exc
        with source:
            result = import_workbook(
                source, actor=system_actor(), create_missing_staff=create_missing_staff
            )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            if result.more_problems:
                self.stderr.write(f"… och {result.more_problems} fel till, som inte visas.")
            raise CommandError(f"Ingenting importerades: {result.problem_count} fel i arbetsboken.")
        for username in result.created_staff:
            self.stdout.write(f"Skapade inaktivt konto: {username}")
        self.stdout.write(self.style.SUCCESS(f"{result.created} deltagare importerade."))
