"""The performance benchmark behind ``python manage.py bench`` (product.md).

It builds N participants with realistic casework and then measures the
results computation, the pages and the exports. The data is written with
``bulk_create`` straight into the tables, not through the services: going
through one service call per row (each with its transaction, full_clean and
audit event) would take hours at 40,000 participants, and the benchmark
measures reading, not writing. The rows obey every database constraint and
the same invariants the services keep (one active participation per
personnummer, moves inside their three-month period, a current closure per
closed participation, the responsible holding the object permissions).

Everything runs in a database of its own (see the command); nothing here
touches the real data.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, connections, models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission
from openpyxl import Workbook, load_workbook

from casework.models import Flag, Intervention, InterventionActivity, JournalNote
from closure.models import (
    RESULTS_FOR_REASON,
    Closure,
    EmploymentStatus,
    IncomeSource,
    OtherClosureReason,
    StatusSnapshot,
)
from closure.services import summary_context, summary_pdf_render
from mapping.columns import HEADERS, SHEET_TITLE, row_values
from mapping.models import GoalDocument, MappingDocument, MoveCategory, StepwiseMove
from mapping.selectors import goal_overview, goal_rows_of
from operations.workbook import export_workbook, import_workbook
from participants.models import (
    SELF_SUPPORT_RESULTS,
    ClosureReason,
    Consent,
    Participant,
    TargetGroup,
    Task,
)
from participants.periods import PERIOD_COUNT, add_months, period_bounds
from participants.services import PARTICIPANT_PERMISSIONS
from rattinsats import testnumbers
from rattinsats.models import Organisation, Role, User
from reports.jobs import results_query
from reports.results import MOVE_KEYS, OTHER_REASONS_KEY, SELF_SUPPORT_KEYS, ResultsFilter
from reports.results import results_compute as compute_results

DEFAULT_PARTICIPANTS = 40_000
CHUNK = 2_000
CASELOAD = 40  # participants per staff member
EXPORT_REPEAT = 3

TARGETS = {
    "results_ratio_vs_sql": ("≤", 2.0),
    # Issue 16: the dashboard costs at most twice the computation it shows.
    "dashboard_ratio_vs_results": ("≤", 2.0),
    "export_ratio_vs_openpyxl": ("≥", 0.9),
    "import_ratio_vs_openpyxl": ("≥", 0.5),
    # The import's peak memory does not grow with the rows: at N at most
    # 1.2 times the peak at N/10.
    "import_peak_ratio_vs_small": ("≤", 1.2),
    "participant_page_p95_ms": ("≤", 50.0),
    "overview_page_p95_ms": ("≤", 50.0),
    # The overview does not grow with N: p95 at N at most 1.2 times p95 at N/10.
    "overview_page_p95_ratio_vs_small": ("≤", 1.2),
    "summary_pdf_s": ("≤", 1.0),
}

FIRST_NAMES_WOMEN = ["Anna", "Sara", "Fatima", "Maria", "Leila", "Emma", "Amina", "Johanna"]
FIRST_NAMES_MEN = ["Erik", "Ahmed", "Johan", "Mohammed", "Anders", "Ali", "Oskar", "Daniel"]
LAST_NAMES = ["Andersson", "Berg", "Hassan", "Lindqvist", "Nilsson", "Omar", "Ek", "Svensson"]
NOTES = [
    "Ringde och bokade kartläggningsmöte. Deltagaren var positiv och vill komma igång snabbt.",
    "Kartläggningsmöte. Vill arbeta inom lager eller handel, har erfarenhet från butik "
    "i hemlandet och har gått en kortare truckutbildning.",
    "Följde med på arbetsgivarbesök hos ett logistikföretag. Arbetsgivaren kan ta emot "
    "praktikant efter sommaren.",
    "Uppföljning av praktiken. Handledaren är nöjd med närvaro och arbetsinsats; "
    "vi planerar att förlänga med fyra veckor.",
    "Samtal om hälsa och vardag. Sover dåligt, hänvisad till vårdcentralen. "
    "Nytt möte om två veckor.",
    "Trepartssamtal med handläggare på Arbetsförmedlingen om möjligheten till lönestöd.",
    "Deltagaren uteblev från bokat möte. Skickade sms och bokade ny tid.",
    "Genomgång av CV och personligt brev inför ansökan till vårdbiträdesutbildning.",
]
GOALS = [
    ("arbete", "Arbete inom lager och logistik", "Svenska B", "Truckkort", "Praktik"),
    ("arbete", "Anställning inom äldreomsorgen", "Körkort B", "Kurs i hygien", "Praktik"),
    ("studier", "Studier till undersköterska", "SFI D", "Studiebesök", "Ansökan"),
]


@dataclass
class World:
    """What the rows refer to: staff, organisations, catalogues."""

    staff: list[User]
    reader: User  # the logged-in staff member, with access to every participant
    organisations: list[Organisation]
    categories: list[MoveCategory]
    activities: list[InterventionActivity]
    content_type: ContentType
    permissions: list[Permission]
    today: datetime.date
    rng: random.Random
    numbers: list[str]
    created: int = 0
    reused_numbers: int = 0


def _numbers() -> list[str]:
    """Skatteverket's test numbers, people of working age first, each once
    (the published list repeats a few)."""
    ordered = [
        *testnumbers.working_age(),
        *testnumbers.personnummer(),
        *testnumbers.samordningsnummer(),
    ]
    return list(dict.fromkeys(ordered))


def world_create(participants: int, *, seed: int = 7) -> World:
    today = timezone.localdate()
    organisations = list(Organisation.objects.order_by("id"))
    staff_count = max(2, -(-participants // CASELOAD))
    staff = User.objects.bulk_create(
        [
            User(
                username=f"bench-staff-{i:05d}",
                first_name=f"Handläggare{i}",
                last_name="Bench",
                role=Role.STAFF,
                organisation=organisations[0],
                password="!",  # noqa: S106 - unusable: nobody logs in with these accounts
            )
            for i in range(staff_count)
        ],
        batch_size=CHUNK,
    )
    reader = User.objects.create(
        username="bench-reader",
        first_name="Läsare",
        last_name="Bench",
        role=Role.STAFF,
        organisation=organisations[0],
        password="!",  # noqa: S106 - unusable; the benchmark logs in with force_login
    )
    content_type = ContentType.objects.get_for_model(Participant)
    codes = [perm.split(".")[1] for perm in PARTICIPANT_PERMISSIONS]
    return World(
        staff=staff,
        reader=reader,
        organisations=organisations,
        categories=list(MoveCategory.objects.order_by("order")),
        activities=list(InterventionActivity.objects.filter(active=True).order_by("id")),
        content_type=content_type,
        permissions=list(Permission.objects.filter(content_type=content_type, codename__in=codes)),
        today=today,
        rng=random.Random(seed),  # noqa: S311 - reproducible data, not secrets
        numbers=_numbers(),
    )


def _gender(number: str) -> str:
    return "man" if int(number[10]) % 2 else "kvinna"


def _participant(world: World, index: int) -> Participant:
    rng, today = world.rng, world.today
    reused = index >= len(world.numbers)
    number = world.numbers[index % len(world.numbers)]
    gender = _gender(number)
    if rng.random() < 0.01:
        gender = "annat"
    first = rng.choice(FIRST_NAMES_MEN if gender == "man" else FIRST_NAMES_WOMEN)
    start = today - datetime.timedelta(days=rng.randint(0, 3 * 365))
    months = rng.randint(3, 24)
    last = add_months(start, months) - datetime.timedelta(days=1)
    closed = last < today or reused
    end = min(last, today) if closed else None
    p = Participant(
        personnummer=number,
        first_name=first,
        last_name=rng.choice(LAST_NAMES),
        gender=gender,
        phone=f"070-{rng.randint(1000000, 9999999)}",
        email=f"deltagare{index}@example.se",
        target_group=rng.choice([TargetGroup.FS, TargetGroup.FS, TargetGroup.AF14]),
        sus_consent=rng.random() < 0.8,
        referring_organisation=rng.choice(world.organisations),
        responsible=world.staff[index // CASELOAD % len(world.staff)],
        status=Participant.Status.CLOSED if closed else Participant.Status.ACTIVE,
        start_date=start,
        end_date=end,
    )
    if closed:
        reason = rng.choices(
            [ClosureReason.WORK, ClosureReason.STUDIES, ClosureReason.OTHER], [45, 20, 35]
        )[0]
        p.closure_reason = reason
        results = RESULTS_FOR_REASON[reason]
        p.closure_result = rng.choice(results) if results else ""
    return p


def _elapsed_periods(p: Participant, today: datetime.date) -> int:
    last_day = p.end_date or today
    k = 0
    while k < PERIOD_COUNT and period_bounds(p.start_date, k + 1)[0] <= last_day:
        k += 1
    return k


def _children(world: World, participants: list[Participant]) -> dict[type[models.Model], list]:
    rng, today = world.rng, world.today
    rows: dict[type[models.Model], list] = {
        model: []
        for model in (
            StepwiseMove,
            Intervention,
            JournalNote,
            GoalDocument,
            MappingDocument,
            Consent,
            Flag,
            Closure,
            StatusSnapshot,
            Task,
            UserObjectPermission,
        )
    }
    for p in participants:
        staff = p.responsible
        start = p.start_date
        last_day = p.end_date or today
        for k in range(1, _elapsed_periods(p, today) + 1):
            first, last = period_bounds(start, k)
            if rng.random() < 0.8:
                rows[StepwiseMove].append(
                    StepwiseMove(
                        participant=p,
                        period=k,
                        period_start=first,
                        period_end=last,
                        category=rng.choice(world.categories),
                        note="Stegvis förflyttning enligt handlingsplanen." if k % 2 else "",
                        recorded_by=staff,
                    )
                )
        for j in range(2):
            begins = min(start + datetime.timedelta(days=7 + 21 * j), last_day)
            ends = min(begins + datetime.timedelta(days=rng.randint(14, 90)), last_day)
            rows[Intervention].append(
                Intervention(
                    participant=p,
                    activity=rng.choice(world.activities),
                    start_date=begins,
                    end_date=ends if ends < today else None,
                    notes="Genomfört enligt plan." if j == 0 else "",
                    created_by=staff,
                )
            )
        for j in range(5):
            rows[JournalNote].append(
                JournalNote(
                    participant=p,
                    kind=rng.choice(list(JournalNote.Kind)),
                    happened_on=min(start + datetime.timedelta(days=2 + 9 * j), last_day),
                    text=rng.choice(NOTES),
                    author=staff,
                )
            )
        direction, goal, d1, d2, d3 = rng.choice(GOALS)
        rows[GoalDocument].append(
            GoalDocument(
                participant=p,
                goal=goal,
                delmal_1=d1,
                delmal_1_status="uppnatt",
                delmal_2=d2,
                delmal_2_status="pagaende",
                delmal_3=d3,
                delmal_3_status="pagaende",
                employment_subsidy="Lönebidrag" if rng.random() < 0.2 else "",
                continuation_reason=(
                    "Behöver mer tid i praktiken." if _elapsed_periods(p, today) > 4 else ""
                ),
                version=1,
                updated_by=staff,
                updated_at=timezone.now(),
            )
        )
        rows[MappingDocument].append(
            MappingDocument(
                participant=p,
                education_experience="Grundskola i hemlandet, två år som butiksbiträde.",
                licences="Körkort B" if rng.random() < 0.4 else "",
                languages="Arabiska, svenska (SFI C)",
                goal_direction=direction,
                goal=goal,
                delmal_1=d1,
                version=1,
                updated_by=staff,
                updated_at=timezone.now(),
            )
        )
        signed = start
        rows[Consent].append(
            Consent(
                participant=p,
                signed_on=signed,
                valid_until=add_months(signed, 12),
                recorded_by=staff,
            )
        )
        rows[Flag].append(
            Flag(
                participant=p,
                organisation=world.organisations[0],
                kind=Flag.Kind.START,
                reason="Start i Rätt insats.",
                status=Flag.Status.SENT,
                created_by=staff,
                sent_at=timezone.now(),
            )
        )
        rows[StatusSnapshot].append(
            StatusSnapshot(
                participant=p,
                moment=StatusSnapshot.Moment.START,
                employment_status=EmploymentStatus.SEEKING_WORK,
                income_source=rng.choice(
                    [IncomeSource.EKONOMISKT_BISTAND, IncomeSource.SJUKPENNING]
                ),
                recorded_by=staff,
            )
        )
        if p.status == Participant.Status.CLOSED and p.end_date is not None:
            employment, income = _status_at_end(p, rng)
            rows[Closure].append(
                Closure(
                    participant=p,
                    closed_on=p.end_date,
                    reason=p.closure_reason,
                    result=p.closure_result,
                    other_reason=(
                        rng.choice(list(OtherClosureReason))
                        if p.closure_reason == ClosureReason.OTHER
                        else ""
                    ),
                    note="Avslutat efter trepartssamtal.",
                    employment_status=employment,
                    income_source=income,
                    closed_by=staff,
                )
            )
            rows[StatusSnapshot].append(
                StatusSnapshot(
                    participant=p,
                    moment=StatusSnapshot.Moment.END,
                    employment_status=employment,
                    income_source=income,
                    recorded_by=staff,
                )
            )
        elif rng.random() < 0.3:
            rows[Task].append(
                Task(
                    assignee=staff,
                    participant=p,
                    kind=rng.choice(list(Task.Kind)),
                    due_on=today + datetime.timedelta(days=rng.randint(-5, 20)),
                )
            )
        for user in {staff, world.reader}:
            for permission in world.permissions:
                rows[UserObjectPermission].append(
                    UserObjectPermission(
                        permission=permission,
                        user=user,
                        content_type=world.content_type,
                        object_pk=str(p.pk),
                    )
                )
    return rows


def _status_at_end(p: Participant, rng: random.Random) -> tuple[str, str]:
    if p.closure_result in {r.value for r in SELF_SUPPORT_RESULTS}:
        if p.closure_result == "csn_studies":
            return EmploymentStatus.STUDIES, IncomeSource.CSN
        if p.closure_result == "job_without_support":
            return EmploymentStatus.PAID_WORK, IncomeSource.SALARY
        return EmploymentStatus.SUBSIDISED_WORK, IncomeSource.SALARY
    return rng.choice(list(EmploymentStatus)), rng.choice(list(IncomeSource))


def participants_add(world: World, count: int) -> None:
    """Add ``count`` participants with their casework, in chunks."""
    end = world.created + count
    for first in range(world.created, end, CHUNK):
        indexes = range(first, min(first + CHUNK, end))
        participants = Participant.objects.bulk_create(
            [_participant(world, i) for i in indexes], batch_size=CHUNK
        )
        world.reused_numbers += sum(1 for i in indexes if i >= len(world.numbers))
        rows = _children(world, participants)
        for model, objects in rows.items():
            created = model._default_manager.bulk_create(objects, batch_size=CHUNK)
            if model is Consent:
                Through = Consent.organisations.through
                Through.objects.bulk_create(
                    [
                        Through(consent_id=c.pk, organisation_id=o.pk)
                        for c in created
                        for o in world.organisations[:2]
                    ],
                    batch_size=CHUNK,
                )
    world.created = end


# --- Measuring ----------------------------------------------------------------


def _timed(fn, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def _p50_p95(times: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(times), 1), "p95": round(_percentile(times, 95), 1)}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report_period(today: datetime.date) -> ResultsFilter:
    """The period the results are measured for: last year and this year."""
    return ResultsFilter(date_from=datetime.date(today.year - 1, 1, 1), date_to=today)


def results_sql_baseline(filters: ResultsFilter) -> dict:
    """The results contract's figures by gender in ONE hand-written SQL
    aggregate query: the baseline the ORM computation is measured against."""
    ss_list = ", ".join(f"'{k}'" for k in SELF_SUPPORT_KEYS)
    closed = (
        "p.status = 'avslutad' AND p.end_date IS NOT NULL"
        " AND p.end_date BETWEEN %(from)s AND %(to)s"
    )
    self_support = (
        f"{closed} AND p.closure_reason IN ('arbete', 'studier')"
        f" AND p.closure_result IN ({ss_list})"
    )
    moved = " OR ".join(f"mv.{k} = 1" for k in MOVE_KEYS)
    columns = [
        "COUNT(*)",
        f"SUM(CASE WHEN {self_support} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN ({self_support}) OR {moved} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {closed} AND p.closure_reason = 'ovriga' THEN 1 ELSE 0 END)",
        *[
            f"SUM(CASE WHEN {self_support} AND p.closure_result = '{k}' THEN 1 ELSE 0 END)"
            for k in SELF_SUPPORT_KEYS
        ],
        *[f"SUM(CASE WHEN mv.{k} = 1 THEN 1 ELSE 0 END)" for k in MOVE_KEYS],
    ]
    keys = ["total", "self_support", "with_move", OTHER_REASONS_KEY, *SELF_SUPPORT_KEYS, *MOVE_KEYS]
    per_move = ", ".join(
        f"MAX(CASE WHEN c.code = '{k}' THEN 1 ELSE 0 END) AS {k}" for k in MOVE_KEYS
    )
    move_codes = ", ".join(f"'{k}'" for k in MOVE_KEYS)
    # The period compared with the dates as values on SQLite (its unary
    # "+"), as the computation compares them (reports.results.NoIndex): so
    # SQLite reads the table through rather than look up each row from
    # the (start date, end date) index, the faster plan for a long period.
    value = "+" if connection.vendor == "sqlite" else ""
    sql = f"""
        SELECT p.gender, {", ".join(columns)}
        FROM participants_participant p
        LEFT JOIN (
            SELECT m.participant_id, {per_move}
            FROM mapping_stepwisemove m
            JOIN mapping_movecategory c ON c.id = m.category_id
            WHERE c.code IN ({move_codes}) AND m.period_start <= %(to)s AND m.period_end >= %(from)s
            GROUP BY m.participant_id
        ) mv ON mv.participant_id = p.id
        WHERE {value}p.start_date <= %(to)s
            AND ({value}p.end_date IS NULL OR {value}p.end_date >= %(from)s)
        GROUP BY p.gender
    """  # noqa: S608 - every interpolated value is a constant of this module
    params = {"from": filters.date_from, "to": filters.date_to}
    by_gender = {"women": dict.fromkeys(keys, 0), "men": dict.fromkeys(keys, 0)}
    by_gender["other"] = dict.fromkeys(keys, 0)
    names = {"kvinna": "women", "man": "men", "annat": "other"}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for gender, *values in cursor.fetchall():
            row = by_gender[names.get(gender, "other")]
            for key, value in zip(keys, values, strict=True):
                row[key] += int(value or 0)
    return by_gender


def results_by_gender(results) -> dict:
    """The same figures read from :func:`reports.results.results_compute`."""
    figures = {
        g: {
            "total": results.by_gender[g],
            "self_support": results.self_support_by_gender[g],
            "with_move": results.with_move_by_gender[g],
        }
        for g in results.by_gender
    }
    for outcome in [*results.self_support, *results.moves]:
        for g, n in outcome.by_gender.items():
            figures[g][outcome.key] = n
    return figures


def _page_urls(participant_pk: int) -> dict[str, str]:
    return {
        "dashboard": reverse("reports:dashboard"),
        "participant": reverse("participants:detail", args=[participant_pk]),
        "overview": reverse("mapping:overview"),
        "participant_list": reverse("participants:list"),
        "journal": reverse("casework:journal", args=[participant_pk]),
        "interventions": reverse("casework:interventions", args=[participant_pk]),
        "goals": reverse("mapping:goals", args=[participant_pk]),
        "closure": reverse("closure:tab", args=[participant_pk]),
        "results_json": reverse("reports:results_json"),
    }


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def query_counts(client: Client, participant_pk: int) -> dict[str, int]:
    counts = {}
    for name, url in _page_urls(participant_pk).items():
        _get(client, url)  # warm caches (content types, templates)
        with CaptureQueriesContext(connection) as captured:
            _get(client, url)
        counts[name] = len(captured)
    return counts


def _page_times(client: Client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    return times


OVERVIEW_PAGES = 100
OVERVIEW_BLOCK = 10  # pages timed in a row before the database is switched


def _overview_urls(participants: int, rng: random.Random) -> list[str]:
    """The overview's first page and 99 pages read from a random row among
    the first ``participants`` (after it, or before it for every third):
    the page's keyset pagination starts a page at any row at the same cost.
    A hundred, so that the 95th percentile is the fifth slowest rather than,
    of thirty, the second."""
    overview = reverse("mapping:overview")
    pks = list(Participant.objects.order_by("id").values_list("id", flat=True)[:participants])
    return [overview] + [
        f"{overview}?{'fore' if i % 3 == 2 else 'efter'}={rng.choice(pks)}"
        for i in range(OVERVIEW_PAGES - 1)
    ]


def overview_times(client: Client, participants: int, rng: random.Random) -> list[float]:
    """The overview's pages (:func:`_overview_urls`) in milliseconds, after
    three to warm up (templates, the form's choices)."""
    urls = _overview_urls(participants, rng)
    _page_times(client, urls[:3])
    return _page_times(client, urls)


def overview_times_alongside(
    client: Client, small: SmallCopy, participants: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """The overview at N/10 and at N measured in the same minutes: blocks of
    ten pages from the copy made at N/10 (:class:`SmallCopy`) and from the
    database at N in turn, the first of each pair of blocks alternating, and
    two pages to warm up after each switch. Measured one after the other,
    minutes apart, the two would compare the machine's speed at two moments
    as much as the pages (it changes by half within minutes on a shared
    machine). Returns the times at N/10 and at N, in milliseconds."""
    small_urls = _overview_urls(small.participants, random.Random(11))  # noqa: S311
    urls = _overview_urls(participants, rng)
    times: dict[bool, list[float]] = {True: [], False: []}
    for block, first in enumerate(range(0, OVERVIEW_PAGES, OVERVIEW_BLOCK)):
        for in_small in (block % 2 == 0, block % 2 == 1):
            chosen = small_urls if in_small else urls
            with small.current() if in_small else contextlib.nullcontext():
                _page_times(client, chosen[:2])
                times[in_small] += _page_times(client, chosen[first : first + OVERVIEW_BLOCK])
    return times[True], times[False]


class TenthMeasuredBefore:
    """The overview at N/10 timed when the first tenth was built, inside a
    transaction (the test suite), where no copy can be made
    (:meth:`SmallCopy.make`). Same interface as :class:`SmallCopy`."""

    measured = "before"

    def __init__(self, small_times: list[float]):
        self.small_times = small_times

    def times(
        self, client: Client, participants: int, rng: random.Random
    ) -> tuple[list[float], list[float]]:
        """The times at N/10 and at N, in milliseconds."""
        return self.small_times, overview_times(client, participants, rng)

    def drop(self) -> None:
        pass


class SmallCopy:
    """A copy of the benchmark's database as it was at N/10, kept open beside
    it, so that the overview at N/10 and at N can be measured in the same
    minutes (:func:`overview_times_alongside`). On SQLite a file made with
    SQLite's backup API; on PostgreSQL a database created from the
    benchmark's as its template. The copy's connection takes the place of
    the default one while :meth:`current` is open: the pages read the copy
    with nothing else changed (the same process, caches and session).

    Inside a transaction (the test suite) no copy can be made, and
    :meth:`make` returns None: the overview at N/10 is then measured when
    the first tenth is built."""

    measured = "alongside"

    def __init__(self, wrapper, name: str, participants: int):
        self.wrapper = wrapper
        self.name = name
        self.participants = participants

    def times(
        self, client: Client, participants: int, rng: random.Random
    ) -> tuple[list[float], list[float]]:
        """The times at N/10 and at N, in milliseconds (:func:`overview_times_alongside`)."""
        return overview_times_alongside(client, self, participants, rng)

    @classmethod
    def make(cls, participants: int) -> SmallCopy | None:
        if connection.in_atomic_block:
            return None
        settings_dict = connection.settings_dict
        if connection.vendor == "sqlite":
            handle, name = tempfile.mkstemp(prefix="rattinsats-bench-small-", suffix=".sqlite3")
            os.close(handle)
            connection.ensure_connection()
            target = sqlite3.connect(name)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            name = f"{settings_dict['NAME']}_small"
            connections.close_all()  # a template has no other session
            quote = connection.ops.quote_name
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
                for attempt in range(10):
                    try:  # autovacuum may be visiting the template for a moment
                        cursor.execute(
                            f"CREATE DATABASE {quote(name)} TEMPLATE {quote(settings_dict['NAME'])}"
                        )
                        break
                    except OperationalError:
                        if attempt == 9:
                            raise
                        time.sleep(1)
        else:
            return None
        full = connections[connection.alias]  # ``connection`` is only a proxy to it
        wrapper = type(full)({**settings_dict, "NAME": name}, full.alias)
        return cls(wrapper, name, participants)

    @contextlib.contextmanager
    def current(self):
        full = connections[connection.alias]
        connections[connection.alias] = self.wrapper
        try:
            yield
        finally:
            connections[connection.alias] = full

    def drop(self) -> None:
        self.wrapper.close()
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.name + suffix)
        else:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(self.name)}")


def measure(
    world: World,
    client: Client,
    *,
    probe_pk: int,
    queries_tenth: dict,
    overview_small: TenthMeasuredBefore | SmallCopy,
    log,
) -> dict:
    rng = random.Random(11)  # noqa: S311 - reproducible samples
    today = world.today
    out: dict = {"participants": world.created, "load_average_start": _load()}

    filters = report_period(today)
    log("Resultat: ORM mot handskriven SQL …")
    compute_results(filters)  # warm up
    results_s, results = _timed(lambda: compute_results(filters, today=today), 5)
    baseline_s, baseline = _timed(lambda: results_sql_baseline(filters), 5)
    ours = results_by_gender(results)
    if ours != baseline:
        raise AssertionError(f"Resultaten skiljer sig från SQL-baslinjen: {ours} != {baseline}")
    log(f"  {results_s:.3f} s mot {baseline_s:.3f} s")

    def with_extras():
        # What the dashboard and its exports read besides the contract's
        # figures: delmål 4 per month and the before/after comparison.
        full = compute_results(filters, today=today)
        return full.active_per_month, full.before_after

    extras_s, _ = _timed(with_extras, 5)
    out.update(
        results_s=round(results_s, 4),
        results_with_dashboard_figures_s=round(extras_s, 4),
        results_sql_baseline_s=round(baseline_s, 4),
        results_ratio_vs_sql=round(results_s / baseline_s, 2),
        results_participants_counted=results.total,
    )

    log("Instrumentpanelen …")
    # Against the computation alone (the contract's figures), as the target
    # asks: for the same period (the page's filter), the two alternated,
    # median of five each, so that the machine's changing speed weighs on
    # both sides alike.
    dashboard = f"{reverse('reports:dashboard')}?{results_query(filters)}"
    dashboard_times, results_times = [], []
    for _ in range(5):
        dashboard_times.append(_timed(lambda: _get(client, dashboard), 1)[0])
        results_times.append(_timed(lambda: compute_results(filters, today=today), 1)[0])
    dashboard_s = statistics.median(dashboard_times)
    out["dashboard_ms"] = round(dashboard_s * 1000, 1)
    out["dashboard_ratio_vs_results"] = round(dashboard_s / statistics.median(results_times), 2)

    log("Export av måldokumentet …")
    rows_qs = goal_overview(world.reader)
    rows: list[list] | None = [row_values(row) for row in goal_rows_all(world.reader)]

    def raw_openpyxl(rows):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(SHEET_TITLE)
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(row)
        workbook.save(io.BytesIO())
        return len(rows)

    # Alternated, median of three each, so that a passing load on the
    # machine weighs on both sides alike.
    export_times, raw_times = [], []
    exported = io.BytesIO()
    for _ in range(EXPORT_REPEAT):
        exported = io.BytesIO()
        export_s, count = _timed(lambda: export_workbook(rows_qs, exported), 1)  # noqa: B023
        raw_s, raw_count = _timed(lambda: raw_openpyxl(rows), 1)
        export_times.append(export_s)
        raw_times.append(raw_s)
    export_s, raw_s = statistics.median(export_times), statistics.median(raw_times)
    log(f"  {count} rader: {export_s:.1f} s mot {raw_s:.1f} s med rå openpyxl")
    if raw_count != count:
        raise AssertionError(f"Exporten skrev {count} rader, baslinjen {raw_count}")
    rows = None  # free the copied rows before the page measurements
    out.update(
        export_rows=count,
        export_s=round(export_s, 3),
        export_rows_per_s=round(count / export_s),
        export_openpyxl_rows_per_s=round(raw_count / raw_s),
        export_ratio_vs_openpyxl=round((count / export_s) / (raw_count / raw_s), 2),
    )

    log("Deltagarsidan …")
    pks = list(Participant.objects.values_list("pk", flat=True))
    samples = min(200, len(pks))
    chosen = rng.sample(pks, samples)
    _page_times(client, [reverse("participants:detail", args=[pk]) for pk in chosen[:5]])
    times = _page_times(client, [reverse("participants:detail", args=[pk]) for pk in chosen])
    out.update(
        participant_page_samples=samples,
        participant_page_p50_ms=round(statistics.median(times), 1),
        participant_page_p95_ms=round(_percentile(times, 95), 1),
    )

    log("Översikten …")
    small_times, times = overview_small.times(client, world.created, rng)
    small = _p50_p95(small_times)
    out.update(
        overview_page_small_measured=overview_small.measured,
        overview_page_samples=len(times),
        overview_page_p50_ms=round(statistics.median(times), 1),
        overview_page_p95_ms=round(_percentile(times, 95), 1),
        overview_page_p50_ms_small=small["p50"],
        overview_page_p95_ms_small=small["p95"],
        overview_page_p95_ratio_vs_small=round(_percentile(times, 95) / small["p95"], 2),
    )

    log("Sammanfattande dokumentation (PDF) …")
    closed = (
        Participant.objects.filter(status=Participant.Status.CLOSED, closures__isnull=False)
        .select_related("responsible")
        .order_by("id")
        .first()
    )
    if closed is None:
        out["summary_pdf_s"] = None
        out["summary_pdf_first_s"] = None
    else:

        def render():
            context = summary_context(
                closed, text="Deltagaren har fått arbete.", version=1, author=world.reader
            )
            return summary_pdf_render(context)

        first_s, pdf = _timed(render, 1)
        if not pdf.startswith(b"%PDF"):
            raise AssertionError("Sammanfattningen blev ingen PDF")
        pdf_s, _ = _timed(render, 3)
        out.update(summary_pdf_s=round(pdf_s, 3), summary_pdf_first_s=round(first_s, 3))

    log("Import av måldokumentet …")
    out.update(measure_import(world, exported.getvalue(), log))
    exported = io.BytesIO()

    log("Antal frågor per sida …")
    at_n = query_counts(client, probe_pk)
    out["queries"] = {name: {"n": at_n[name], "n_tenth": queries_tenth[name]} for name in at_n}
    out["queries_independent_of_n"] = all(v["n"] == v["n_tenth"] for v in out["queries"].values())
    out["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["database"] = connection.vendor
    out["load_average_end"] = _load()
    out["targets"] = targets_met(out)
    return out


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 minutes): the machine may be
    shared, so every figure is given with it."""
    return [round(x, 2) for x in os.getloadavg()]


# --- The workbook import ---------------------------------------------------------


class _RolledBack(Exception):
    pass


def _workbook_rows(data: bytes) -> int:
    """Raw openpyxl reading the workbook: read-only mode, values only."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    workbook.close()
    return count


def _import_once(data: bytes, actor: User, *, traced: bool) -> dict:
    """Import ``data`` into the database as it is and roll it back. The
    participations already there would make every row a duplicate, so their
    personnummer are moved aside first, in the same rolled-back transaction:
    the import checks against a database of N others, as a live one would.
    The import's time, and its peak memory with ``traced`` (tracemalloc)."""
    figures: dict = {}
    try:
        with transaction.atomic():
            Participant.objects.update(personnummer=Concat(Value("~"), Cast("id", CharField())))
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            result = import_workbook(io.BytesIO(data), actor=actor)
            figures["s"] = time.perf_counter() - started
            if traced:
                figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
            if not result.ok:
                raise AssertionError(
                    f"Importen hittade fel: {[str(p) for p in result.problems[:5]]}"
                )
            figures["rows"] = result.created
            raise _RolledBack
    except _RolledBack:
        pass
    return figures


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import_in_child(data: bytes, actor: User) -> dict:
    """:func:`_import_once` in a forked process: its peak memory is the
    child's ``ru_maxrss`` (which starts at the child's own size) less its
    size when it began, so that what the benchmark built before does not
    count, and nothing of the import stays in the benchmark's process."""
    connections.close_all()  # a connection is never shared across a fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(read_end)
            before = _rss_mb()
            figures = _import_once(data, actor, traced=False)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            figures["peak_mb"] = peak - before
            connections.close_all()
            with os.fdopen(write_end, "w") as pipe:
                json.dump(figures, pipe)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            code = 1
            with os.fdopen(write_end, "w") as pipe:
                json.dump({"error": repr(exc)}, pipe)
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    figures = json.loads(answer or '{"error": "no answer"}')
    if "error" in figures:
        raise RuntimeError(f"Importen i barnprocessen misslyckades: {figures['error']}")
    return figures


def measure_import(world: World, data: bytes, log) -> dict:
    """The goal-document import: rows per second against raw
    openpyxl reading the same workbook (the export of every participant),
    and peak memory at N/10 rows and at N.

    Memory: in a forked process, the growth of its resident set
    (``ru_maxrss`` less the size at the fork), so it counts what C code
    (openpyxl's parser, the database driver) allocates too. Inside a test,
    whose database is one transaction, it is not forked: tracemalloc then
    measures the Python allocations, on a separate run from the timed one."""
    tenth_ids = list(
        Participant.objects.order_by("personnummer", "start_date", "id").values_list(
            "id", flat=True
        )[: max(1, world.created // 10)]
    )
    small = io.BytesIO()
    export_workbook(Participant.objects.filter(pk__in=tenth_ids), small)
    small_data = small.getvalue()
    limits = {
        "RATTINSATS_GOAL_IMPORT_MAX_ROWS": world.created + 1,
        "RATTINSATS_GOAL_IMPORT_MAX_BYTES": 2 * len(data) + 1_000_000,
        "RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES": 50 * len(data) + 10_000_000,
    }
    fork = hasattr(os, "fork") and not connection.in_atomic_block
    with override_settings(**limits):
        raw_first_s, raw_rows = _timed(lambda: _workbook_rows(data), 1)
        if fork:
            big = _import_in_child(data, world.reader)
            tenth = _import_in_child(small_data, world.reader)
        else:
            big = _import_once(data, world.reader, traced=False)
            big["peak_mb"] = _import_once(data, world.reader, traced=True)["peak_mb"]
            tenth = _import_once(small_data, world.reader, traced=True)
        raw_second_s, _ = _timed(lambda: _workbook_rows(data), 1)
    raw_s = (raw_first_s + raw_second_s) / 2
    if big["rows"] != raw_rows:
        raise AssertionError(f"Importen skrev {big['rows']} rader, arbetsboken har {raw_rows}")
    log(f"  {big['rows']} rader: {big['s']:.1f} s mot {raw_s:.1f} s med rå openpyxl")
    return {
        "import_rows": big["rows"],
        "import_s": round(big["s"], 3),
        "import_rows_per_s": round(big["rows"] / big["s"]),
        "import_openpyxl_rows_per_s": round(raw_rows / raw_s),
        "import_ratio_vs_openpyxl": round((big["rows"] / big["s"]) / (raw_rows / raw_s), 2),
        "import_rows_small": tenth["rows"],
        "import_rows_per_s_small": round(tenth["rows"] / tenth["s"]),
        "import_peak_mb": round(big["peak_mb"], 1),
        "import_peak_mb_small": round(tenth["peak_mb"], 1),
        "import_peak_ratio_vs_small": round(big["peak_mb"] / max(tenth["peak_mb"], 0.1), 2),
        "import_memory_method": "fork, ru_maxrss" if fork else "tracemalloc",
    }


def goal_rows_all(reader: User):
    """The export's rows, read in the export's order."""
    return goal_rows_of(goal_overview(reader).order_by("personnummer", "start_date", "id"))


def targets_met(out: dict) -> dict[str, bool | None]:
    met: dict[str, bool | None] = {}
    for key, (sign, limit) in TARGETS.items():
        value = out.get(key)
        if value is None:
            met[key] = None
        else:
            met[key] = value <= limit if sign == "≤" else value >= limit
    met["queries_independent_of_n"] = out.get("queries_independent_of_n")
    return met


def _statistics() -> None:
    """Statistics for the planner and a vacuumed table, as a database in
    service has them (autovacuum on PostgreSQL; PRAGMA optimize / ANALYZE
    on SQLite). On PostgreSQL ``VACUUM ANALYZE`` when it can run (not inside
    a transaction, as in the tests): otherwise autovacuum would start on
    the freshly built tables during the measurements."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def run(participants: int, *, log=print) -> dict:
    """Build the data in two steps (a tenth, then the rest) and measure.
    Expects to be running in a database of its own."""
    numbers = len(_numbers())
    world = world_create(participants)
    client = Client()
    client.force_login(world.reader)
    tenth = max(1, participants // 10)
    started = time.perf_counter()
    log(f"Bygger {tenth} deltagare …")
    participants_add(world, tenth)
    probe = (
        Participant.objects.filter(status=Participant.Status.CLOSED).order_by("id").first()
        or Participant.objects.order_by("id").first()
    )
    if probe is None:
        raise AssertionError("Inga deltagare byggdes")
    probe_pk = probe.pk
    queries_tenth = query_counts(client, probe_pk)
    _statistics()
    paused = time.perf_counter()
    overview_small: TenthMeasuredBefore | SmallCopy | None = SmallCopy.make(tenth)
    if overview_small is None:
        log("Översikten vid N/10 …")
        rng = random.Random(11)  # noqa: S311 - reproducible
        overview_small = TenthMeasuredBefore(overview_times(client, tenth, rng))
    else:
        log("Databasen vid N/10 kopierad, för översikten …")
    started += time.perf_counter() - paused  # not part of the building
    try:
        log(f"Bygger resten, {participants - tenth} deltagare …")
        participants_add(world, participants - tenth)
        build_s = time.perf_counter() - started
        _statistics()
        out = measure(
            world,
            client,
            probe_pk=probe_pk,
            queries_tenth=queries_tenth,
            overview_small=overview_small,
            log=log,
        )
    finally:
        overview_small.drop()
    out["build_s"] = round(build_s, 1)
    out["test_numbers_available"] = numbers
    out["reused_numbers"] = world.reused_numbers
    return out
