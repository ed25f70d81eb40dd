"""The benchmark command (product.md: ``python manage.py bench``), run at a
small N inside the test database."""

import io
import json
import os
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from operations import bench
from participants.models import Participant
from rattinsats import testnumbers
from reports.results import results_compute
from tests.conftest import end_other_sessions
from tests.factories import ensure_reference_data

CONTRACT_KEYS = {
    "participants",
    "results_s",
    "results_sql_baseline_s",
    "results_ratio_vs_sql",
    "export_rows_per_s",
    "export_openpyxl_rows_per_s",
    "export_ratio_vs_openpyxl",
    "participant_page_p50_ms",
    "participant_page_p95_ms",
    "overview_page_p95_ms",
    "dashboard_ms",
    "summary_pdf_s",
    "queries",
    "peak_memory_mb",
}


@pytest.fixture
def bench_json(db, tmp_path):
    target = tmp_path / "bench.json"
    call_command(
        "bench", participants=200, json_file=str(target), current_database=True, verbosity=0
    )
    return json.loads(target.read_text())


# Issue 16's measures, beside the contract's keys.
ISSUE_16_KEYS = {
    "overview_page_p95_ms_small",
    "overview_page_p95_ratio_vs_small",
    "dashboard_ratio_vs_results",
    "import_rows_per_s",
    "import_openpyxl_rows_per_s",
    "import_ratio_vs_openpyxl",
    "import_peak_mb",
    "import_peak_mb_small",
    "import_peak_ratio_vs_small",
    "load_average_start",
    "load_average_end",
}


def test_it_writes_the_contract_keys_and_query_counts_do_not_grow(bench_json):
    assert CONTRACT_KEYS <= bench_json.keys()
    assert ISSUE_16_KEYS <= bench_json.keys()
    assert bench_json["import_rows"] == 200
    assert bench_json["import_rows_small"] == 20
    assert bench_json["import_memory_method"] == "tracemalloc"  # a test is one transaction
    assert bench_json["overview_page_small_measured"] == "before"  # no copy inside one
    for key in ISSUE_16_KEYS - {"load_average_start", "load_average_end"}:
        assert bench_json[key] > 0, key
    assert set(bench_json["targets"]) >= {
        "dashboard_ratio_vs_results",
        "import_ratio_vs_openpyxl",
        "import_peak_ratio_vs_small",
        "overview_page_p95_ms",
        "overview_page_p95_ratio_vs_small",
    }
    assert bench_json["participants"] == 200
    assert Participant.objects.count() == 200
    assert bench_json["export_rows"] == 200
    queries = bench_json["queries"]
    assert {"dashboard", "participant", "overview"} <= queries.keys()
    for page, counts in queries.items():
        assert counts["n"] == counts["n_tenth"], page
    assert bench_json["queries_independent_of_n"] is True
    assert bench_json["summary_pdf_s"] > 0
    for key in ("results_s", "results_sql_baseline_s", "export_rows_per_s", "peak_memory_mb"):
        assert bench_json[key] > 0, key


def test_the_import_measure_leaves_the_database_as_it_was(db):
    world = bench.world_create(30)
    bench.participants_add(world, 30)
    before = sorted(Participant.objects.values_list("id", "personnummer"))
    data = io.BytesIO()
    bench.export_workbook(Participant.objects.all(), data)
    figures = bench.measure_import(world, data.getvalue(), log=lambda message: None)
    assert figures["import_rows"] == 30
    assert figures["import_rows_small"] == 3
    assert sorted(Participant.objects.values_list("id", "personnummer")) == before


def test_it_gives_the_same_figures_as_the_hand_written_sql(db):
    world = bench.world_create(120)
    bench.participants_add(world, 120)
    filters = bench.report_period(world.today)
    figures = bench.results_by_gender(results_compute(filters, today=world.today))
    assert figures == bench.results_sql_baseline(filters)
    assert figures["women"]["total"] + figures["men"]["total"] + figures["other"]["total"] > 0
    assert sum(g["self_support"] for g in figures.values()) > 0
    assert sum(g["praktik_arbetsprovning"] for g in figures.values()) > 0


def test_it_builds_data_that_keeps_the_constraints(db):
    world = bench.world_create(60)
    bench.participants_add(world, 60)
    assert Participant.objects.count() == 60
    closed = Participant.objects.filter(status=Participant.Status.CLOSED)
    assert closed.exists()
    for participant in closed[:20]:
        assert participant.closures.filter(reopened_at__isnull=True).count() == 1
        assert participant.end_date >= participant.start_date
    for participant in Participant.objects.filter(status=Participant.Status.ACTIVE)[:20]:
        assert participant.end_date is None
    numbers = Participant.objects.values_list("personnummer", flat=True)
    assert len(set(numbers)) == 60


def test_it_reuses_numbers_only_for_closed_participations(db, monkeypatch):
    two = list(testnumbers.personnummer()[:2])
    monkeypatch.setattr(bench, "_numbers", lambda: two)
    world = bench.world_create(5)
    bench.participants_add(world, 5)
    assert world.reused_numbers == 3
    active = Participant.objects.filter(status=Participant.Status.ACTIVE)
    assert active.count() <= 2
    assert Participant.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_copy_at_a_tenth_is_read_beside_the_full_database_and_dropped(monkeypatch, settings):
    """The overview at N/10 and at N measured in the same minutes: the copy
    made at N/10 takes the default connection's place while it is current,
    the pages alternate between the two, and the copy is gone afterwards."""
    settings.RATTINSATS_REQUIRE_2FA = False
    ensure_reference_data()  # a transactional test before may have emptied the tables
    world = bench.world_create(30)
    client = Client()
    client.force_login(world.reader)
    bench.participants_add(world, 3)
    if connection.vendor == "postgresql":
        # A template may have no other session: end those that earlier tests
        # left open in other threads (the copy retries while any remains).
        end_other_sessions()
    small = bench.SmallCopy.make(3)
    assert small is not None  # outside a transaction the copy can be made
    try:
        bench.participants_add(world, 27)
        assert Participant.objects.count() == 30
        with small.current():
            assert Participant.objects.count() == 3
        assert Participant.objects.count() == 30
        monkeypatch.setattr(bench, "OVERVIEW_PAGES", 20)
        read = []
        page_times = bench._page_times

        def recorded(client, urls):  # which database each page read
            read.extend([Participant.objects.count()] * len(urls))
            return page_times(client, urls)

        monkeypatch.setattr(bench, "_page_times", recorded)
        small_times, times = small.times(client, 30, random.Random(1))
    finally:
        small.drop()
    assert len(small_times) == len(times) == 20
    # Two blocks of ten, the copy first in the first and last in the second,
    # each after two pages to warm up.
    assert read == [3] * 12 + [30] * 12 + [30] * 12 + [3] * 12
    if connection.vendor == "sqlite":
        assert not os.path.exists(small.name)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [small.name])
            assert cursor.fetchone() is None


def test_no_copy_is_made_inside_a_transaction(db):
    assert bench.SmallCopy.make(3) is None
