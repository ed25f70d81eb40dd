"""Retention (gallring): anonymise participations that ended long ago."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from participants.retention import retention_anonymise


class Command(BaseCommand):
    help = (
        "Anonymiserar deltagare vars deltagande avslutades för mer än N år sedan "
        "(gallring). Uppgifterna som statistiken behöver behålls."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help="Antal år efter avslut (standard: RATTINSATS_RETENTION_YEARS, "
            f"{settings.RATTINSATS_RETENTION_YEARS}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Visa bara hur många deltagare som skulle anonymiseras.",
        )

    def handle(self, *args, years, dry_run, **options):
        if years is None:
            years = settings.RATTINSATS_RETENTION_YEARS
        if years < 1:
            raise CommandError("--years måste vara minst 1.")
        result = retention_anonymise(years=years, dry_run=dry_run)
        cutoff = f"{result.cutoff:%Y-%m-%d}"
        if dry_run:
            self.stdout.write(
                f"{result.count} deltagare avslutade före {cutoff} skulle anonymiseras "
                "(inget ändrat)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.count} deltagare avslutade före {cutoff} anonymiserade."
                )
            )
