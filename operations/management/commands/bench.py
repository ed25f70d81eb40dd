"""``python manage.py bench [--participants N] [--json FILE]``: the
performance benchmark (product.md), in a database of its own.

The command creates a throw-away database with Django's test-database
machinery (on SQLite a temporary file, on PostgreSQL a database named after
the configured one with ``_bench`` appended), builds N participants with
their casework (see :mod:`operations.bench`), measures, prints a table,
writes the JSON and drops the database again. The real data is never read
or written. A missed target is reported, not an error: the command fails
only when it cannot run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

from operations import bench

ROWS = [
    ("participants", "Deltagare", ""),
    ("build_s", "Byggtid", "s"),
    ("results_s", "Resultat (ORM)", "s"),
    ("results_sql_baseline_s", "Resultat, handskriven SQL", "s"),
    ("results_ratio_vs_sql", "Kvot resultat/SQL (mål ≤ 2)", "×"),
    ("results_with_dashboard_figures_s", "Resultat med delmål 4 och före/efter", "s"),
    ("dashboard_ms", "Instrumentpanelen /reports/", "ms"),
    ("dashboard_ratio_vs_results", "Kvot instrumentpanel/resultat (mål ≤ 2)", "×"),
    ("export_rows_per_s", "Export av måldokument", "rader/s"),
    ("export_openpyxl_rows_per_s", "Rå openpyxl (write-only)", "rader/s"),
    ("export_ratio_vs_openpyxl", "Kvot export/openpyxl (mål ≥ 0,9)", "×"),
    ("import_rows_per_s", "Import av måldokument", "rader/s"),
    ("import_openpyxl_rows_per_s", "Rå openpyxl (read-only, values_only)", "rader/s"),
    ("import_ratio_vs_openpyxl", "Kvot import/openpyxl (mål ≥ 0,5)", "×"),
    ("import_peak_mb_small", "Importens minnestopp vid N/10", "MB"),
    ("import_peak_mb", "Importens minnestopp vid N", "MB"),
    ("import_peak_ratio_vs_small", "Kvot minnestopp N/(N/10) (mål ≤ 1,2)", "×"),
    ("participant_page_p50_ms", "Deltagarsidan p50", "ms"),
    ("participant_page_p95_ms", "Deltagarsidan p95 (mål ≤ 50)", "ms"),
    ("overview_page_p50_ms", "Översikten p50", "ms"),
    ("overview_page_p95_ms_small", "Översikten p95 vid N/10", "ms"),
    ("overview_page_p95_ms", "Översikten p95 (mål ≤ 50)", "ms"),
    ("overview_page_p95_ratio_vs_small", "Kvot översikten N/(N/10) (mål ≤ 1,2)", "×"),
    ("summary_pdf_first_s", "Sammanfattning PDF, första", "s"),
    ("summary_pdf_s", "Sammanfattning PDF (mål ≤ 1)", "s"),
    ("peak_memory_mb", "Minnestopp (maxrss)", "MB"),
]


class Command(BaseCommand):
    help = "Prestandamätning i en egen databas: bygger N deltagare och mäter sidor och exporter."

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=bench.DEFAULT_PARTICIPANTS,
            help=f"Antal deltagare (standard {bench.DEFAULT_PARTICIPANTS}).",
        )
        parser.add_argument("--json", dest="json_file", help="Skriv resultatet som JSON hit.")
        parser.add_argument(
            "--current-database",
            action="store_true",
            help="Kör i den databas som redan är öppen (bara för testerna, som redan "
            "kör i en testdatabas). Annars skapas och tas en egen databas bort.",
        )

    def handle(self, *args, participants, json_file, current_database, **options):
        if participants < 10:
            raise CommandError("Ange minst 10 deltagare.")
        available = len(bench._numbers())
        if participants > available:
            self.stdout.write(
                self.style.WARNING(
                    f"Det finns {available} testpersonnummer och samordningsnummer; "
                    f"{participants - available} deltagare får ett redan använt nummer "
                    "och ett avslutat deltagande (ett pågående deltagande per person)."
                )
            )
        verbose = int(options.get("verbosity", 1)) >= 1

        def log(message):
            if verbose:
                self.stdout.write(message)
                self.stdout.flush()

        environment = False
        try:
            setup_test_environment()
            environment = True
        except RuntimeError:
            pass  # already set up (inside the test suite)
        try:
            # Measured as in production (DEBUG off), without what only a
            # browser over HTTPS needs: the HTTPS redirect, the collected
            # static-file manifest and the second login factor.
            storages = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
            with override_settings(
                DEBUG=False,
                RATTINSATS_REQUIRE_2FA=False,
                SECURE_SSL_REDIRECT=False,
                STORAGES=storages,
            ):
                if current_database:
                    out = bench.run(participants, log=log)
                else:
                    out = self._in_own_database(participants, log)
        finally:
            if environment:
                teardown_test_environment()
        self._table(out)
        if json_file:
            Path(json_file).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
            log(f"JSON skrivet till {json_file}")

    def _in_own_database(self, participants, log):
        settings_dict = connection.settings_dict
        test = settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            handle, path = tempfile.mkstemp(prefix="rattinsats-bench-", suffix=".sqlite3")
            os.close(handle)
            test["NAME"] = path
        else:
            test["NAME"] = f"{settings_dict['NAME']}_bench"
        old_name = settings_dict["NAME"]
        log(f"Skapar en egen databas ({connection.vendor}) …")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            return bench.run(participants, log=log)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)

    def _table(self, out):
        width = max(len(label) for _key, label, _unit in ROWS)
        self.stdout.write("")
        self.stdout.write(f"Databas: {out.get('database')}")
        load = out.get("load_average_start"), out.get("load_average_end")
        self.stdout.write(
            f"Belastning (load average 1, 5, 15 min) före och efter: {load[0]} {load[1]}"
        )
        targets = out.get("targets", {})
        for key, label, unit in ROWS:
            value = out.get(key)
            shown = "–" if value is None else f"{value:,}".replace(",", " ")
            met = {True: "✓", False: "✗"}.get(targets.get(key), "")
            self.stdout.write(f"{label:<{width}}  {shown:>12} {unit:<7} {met}".rstrip())
        self.stdout.write("")
        self.stdout.write("Antal databasfrågor per sida (vid N och vid N/10):")
        for name, counts in out["queries"].items():
            same = "" if counts["n"] == counts["n_tenth"] else "  ← växer med N"
            self.stdout.write(f"  {name:<18} {counts['n']:>4} {counts['n_tenth']:>4}{same}")
        self.stdout.write("")
        self.stdout.write("Mål:")
        for key, met in out["targets"].items():
            text = {True: "uppfyllt", False: "EJ uppfyllt", None: "ej mätt"}[met]
            style = self.style.SUCCESS if met else self.style.WARNING
            self.stdout.write(style(f"  {key:<34} {text}"))
