"""The recut of the apps keeps the tables and their rows.

Flags, interventions and the journal moved from participants to casework;
closure, follow-up, trainings, status snapshots and summaries to closure.
Their migrations change only Django's state (the tables keep their names
through ``db_table``) and move the content types, so that permissions
follow the models. These tests migrate the test database back to the leaf
nodes before the move, fill it, and migrate it forward again.
"""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from closure import services as closure_services
from closure.models import Closure, SummaryDocument
from participants.models import ClosureReason, Participant
from rattinsats.models import Role, User
from rattinsats.services import role_groups_ensure
from tests.factories import ensure_reference_data

# The leaf nodes of the project's apps before the move; casework and
# closure did not exist.
OLD_LEAVES = [
    ("participants", "0005_participant_anonymised_at"),
    ("mapping", "0005_move_covering_index"),
    ("referrals", "0001_initial"),
    ("rattinsats", "0002_organisations"),
    ("casework", None),
    ("closure", None),
]

MOVED = {
    "casework": ["Flag", "InterventionActivity", "Intervention", "JournalNote"],
    "closure": ["StatusSnapshot", "Closure", "FollowUp", "LabourMarketTraining", "SummaryDocument"],
}
MOVED_MODELS = [apps.get_model(app, name) for app, names in MOVED.items() for name in names]
MOVED_TABLES = sorted(model._meta.db_table for model in MOVED_MODELS)
MOVED_NAMES = [model._meta.model_name for model in MOVED_MODELS]


def _migrate(targets=None):
    """Migrate the test database to ``targets`` (the latest leaf nodes when
    None), each time with a fresh loader that reads what is applied."""
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    # Content types are cached by app label and model; the migration
    # renamed some behind the cache's back.
    ContentType.objects.clear_cache()


def _rows(table):
    """Every row of ``table``, in primary key order."""
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY id")  # noqa: S608 - our table names
        return cursor.fetchall()


def _fill_what_the_demo_leaves_empty():
    """A follow-up, a labour-market training and a summary document: the
    demo data has none."""
    closure = Closure.objects.filter(reopened_at__isnull=True, reason=ClosureReason.WORK).first()
    owner = closure.participant.responsible
    closure_services.follow_up_record(
        actor=owner,
        closure=closure,
        followed_up_on=timezone.localdate(),
        reached=True,
        self_supporting=True,
        working=True,
    )
    SummaryDocument.objects.create(
        participant=closure.participant,
        closure=closure,
        version=1,
        text="Sammanfattning.",
        pdf=b"%PDF-1.7 demo",
        sha256="0" * 64,
        created_by=owner,
    )
    active = Participant.objects.filter(status=Participant.Status.ACTIVE).first()
    closure_services.labour_market_training_record(
        actor=active.responsible, participant=active, starts_on=active.start_date
    )


def _results(username="styrgrupp"):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("reports:results_json"))
    assert response.status_code == 200
    return response.json()


def _content_types(app_label):
    """{model: content type id} of the moved models under ``app_label``."""
    return dict(
        ContentType.objects.filter(app_label=app_label, model__in=MOVED_NAMES).values_list(
            "model", "id"
        )
    )


def _permissions(app_label):
    """{codename: permission id} of the moved models under ``app_label``."""
    return dict(
        Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=MOVED_NAMES
        ).values_list("codename", "id")
    )


def _schema():
    """The table names, and for each moved table its columns and constraints."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        moved = {}
        for table in MOVED_TABLES:
            columns = [
                (column.name, column.type_code, column.null_ok)
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            constraints = connection.introspection.get_constraints(cursor, table)
            moved[table] = (columns, constraints)
    return tables, moved


@pytest.mark.django_db(transaction=True)
def test_the_moved_models_keep_their_tables_rows_and_permissions():
    try:
        _migrate(OLD_LEAVES)
        # A transactional test before this one may have emptied the tables
        # the data migrations fill.
        ensure_reference_data()
        # The tables are the same in both states: today's code fills the
        # old schema.
        call_command("seed_demo", stdout=StringIO())
        _fill_what_the_demo_leaves_empty()
        # What role_groups_ensure granted before the move, when the
        # activity catalogue belonged to participants.
        administrators = Group.objects.get(name=Role.ADMIN.label)
        administrators.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="participants", content_type__model="interventionactivity"
            )
        )
        results = _results()
        rows = {table: _rows(table) for table in MOVED_TABLES}
        content_types = _content_types("participants")
        permissions = _permissions("participants")
        granted = set(administrators.permissions.values_list("id", flat=True))
        # The old state is what it should be: the moved models' content
        # types belong to participants, and every table has rows.
        assert sorted(content_types) == sorted(MOVED_NAMES)
        assert len(permissions) == 4 * len(MOVED_NAMES)
        assert _content_types("casework") == {} and _content_types("closure") == {}
        assert all(rows.values()), [table for table, found in rows.items() if not found]
        assert results["participants"]["total"] > 0

        _migrate()

        assert _results() == results
        assert {table: len(found) for table, found in rows.items()} == {
            table: len(_rows(table)) for table in MOVED_TABLES
        }
        assert {table: _rows(table) for table in MOVED_TABLES} == rows
        for model in MOVED_MODELS:
            # The ORM reads the rows through the new app's model.
            assert model.objects.count() == len(rows[model._meta.db_table])
        # The content types moved, ids and all, so every permission (and
        # each group's hold on it) follows its model.
        assert {**_content_types("casework"), **_content_types("closure")} == content_types
        assert _content_types("participants") == {}
        for model in MOVED_MODELS:
            content_type = ContentType.objects.get_for_model(model)
            assert content_type.app_label == model._meta.app_label
            assert content_type.id == content_types[model._meta.model_name]
        assert {**_permissions("casework"), **_permissions("closure")} == permissions
        assert _permissions("participants") == {}
        assert set(administrators.permissions.values_list("id", flat=True)) == granted
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in administrators.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert "casework.add_interventionactivity" in held
        assert not held & {f"participants.{codename}" for codename in permissions}
        # Today's code asks for the catalogue under casework and finds what
        # the group already holds.
        role_groups_ensure()
        assert set(administrators.permissions.values_list("id", flat=True)) == granted
    finally:
        _migrate()


@pytest.mark.django_db(transaction=True)
def test_the_database_schema_is_the_same_before_and_after_the_move():
    try:
        _migrate(OLD_LEAVES)
        tables, moved = _schema()
        _migrate()
        assert _schema() == (tables, moved)
        assert set(MOVED_TABLES) <= tables
    finally:
        _migrate()
