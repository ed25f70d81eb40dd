"""Retention (gallring): anonymise participations that ended long ago."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.retention import retention_anonymise


class Command(BaseCommand):
    help = (
        "Gallring: anonymiserar deltagare och anvisningar som avslutades för mer än "
        "N år sedan, tömmer anteckningarna från lika gamla veckomöten och "
        "arbetsgivarkontakter och anonymiserar enskilda firmor utan aktivitet sedan dess. "
        "Uppgifterna som statistiken behöver behålls."
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
        counts = (
            f"{result.count} deltagare och {len(result.referral_ids)} anvisningar som "
            f"avslutades före {cutoff}, och anteckningar från {len(result.meeting_ids)} "
            "veckomöten"
        )
        employers = (
            f"{len(result.contact_ids)} arbetsgivarkontakter från före {cutoff} och "
            f"{len(result.employer_ids)} enskilda firmor utan aktivitet sedan dess"
        )
        if dry_run:
            self.stdout.write(f"{counts} skulle gallras (inget ändrat).")
            self.stdout.write(f"{employers} skulle gallras (inget ändrat).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Gallrade: {counts}."))
            self.stdout.write(self.style.SUCCESS(f"Gallrade: {employers}."))
