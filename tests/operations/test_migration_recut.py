"""The recut of the apps keeps the tables and their rows.

Flags, interventions and the journal moved from participants to casework;
closure, follow-up, trainings, status snapshots and summaries to closure.
Their migrations change only Django's state (the tables keep their names
through ``db_table``) and move the content types, so that permissions
follow the models. These tests migrate the test database back to the leaf
nodes before the move, fill it, and migrate it forward again.

The old state is filled with the historical models of that state
(``loader.project_state(OLD_LEAVES).apps``), never with today's models or
services: later migrations add columns to the moved tables (casework 0002
gave the flags ``sent_by``, ``sent_via``, ``withdrawn_*``), which today's
code writes and the old schema does not have.

results.json is still computed with today's code, in the old state. That is
valid as long as it touches no table that a migration after the old leaves
changes, and the test checks that it does not:

- the figures read the participants, their stepwise moves and the move
  categories; none of them is moved, and no migration after the old leaves
  changes them. The request itself reads the session and the user. The
  queries of the fetch are recorded, and no table they name may differ
  between the old and the latest schema;
- logging in would run the ``user_logged_in`` receivers, and one of them
  clears expired form drafts, a table that rattinsats 0003 creates after
  the old leaves: the session is opened with the signal muted;
- today's code must not create content types in the old state (one made
  for ``casework.flag`` there would stop the move of the old one): none
  exists under casework or closure after the fetch.

Computing the 'before' figures after migrating forward only the re-cut
migrations instead would gain nothing: they change no table (the schema
test shows the database right after them is the old one), so a column
added later would be missing there just the same. It would also compare
the state after the move with itself, where the content types have already
moved.
"""

import datetime
import hashlib
import importlib
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.periods import add_months, period_bounds
from rattinsats.models import Role, User
from rattinsats.services import role_groups_ensure
from tests.factories import next_personnummer

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
# The re-cut itself, without what came later.
RECUT = [
    ("participants", "0006_casework_and_closure_move_out"),
    ("casework", "0001_initial"),
    ("closure", "0001_initial"),
]

MOVED = {
    "casework": ["Flag", "InterventionActivity", "Intervention", "JournalNote"],
    "closure": ["StatusSnapshot", "Closure", "FollowUp", "LabourMarketTraining", "SummaryDocument"],
}
MOVED_MODELS = [apps.get_model(app, name) for app, names in MOVED.items() for name in names]
MOVED_NAMES = [model._meta.model_name for model in MOVED_MODELS]
# The models' tables and those of their many-to-many fields (the closure's
# flags and the organisations it could not flag to).
MOVED_TABLES = sorted(
    {model._meta.db_table for model in MOVED_MODELS}
    | {
        field.remote_field.through._meta.db_table
        for model in MOVED_MODELS
        for field in model._meta.local_many_to_many
    }
)

# What role_groups_ensure granted the administrators before the move, when
# the activity catalogue belonged to participants.
ADMIN_PERMISSIONS_BEFORE_THE_MOVE = [
    ("rattinsats", "user", ("add", "change", "view")),
    ("rattinsats", "organisation", ("add", "change", "view")),
    ("rattinsats", "auditevent", ("view",)),
    ("auth", "group", ("view",)),
    ("mapping", "movecategory", ("add", "change", "delete", "view")),
    ("otp_totp", "totpdevice", ("view", "delete")),
    ("participants", "interventionactivity", ("add", "change", "delete", "view")),
]

PASSWORD = "Testlösenord-123"  # noqa: S105 - test accounts
PREPARING = "forberedande_mot_arbete"  # recorded, but not a move

# The participants: gender, days since the start, the closure (reason,
# result, other reason) or None, and the move category of their periods
# (None: only preparing for work). Every self-support result, work without
# self-support and other reasons are there; the last closure is undone.
PARTICIPANTS = [
    ("kvinna", 1000, ("studier", "csn_studies", ""), "studier_annan_ersattning"),
    ("man", 950, ("arbete", "job_without_support", ""), "praktik_arbetsprovning"),
    ("kvinna", 900, ("arbete", "extratjanst", ""), None),
    ("man", 860, ("arbete", "lonebidrag", ""), "arbets_studieformaga"),
    ("man", 800, ("arbete", "nystartsjobb", ""), "praktik_arbetsprovning"),
    ("kvinna", 760, ("arbete", "introjobb", ""), "arbets_studieformaga"),
    ("man", 700, ("arbete", "no_self_support", ""), "praktik_arbetsprovning"),
    ("kvinna", 640, ("ovriga", "", "not_reachable"), "arbets_studieformaga"),
    ("man", 560, ("ovriga", "", "long_sick_leave"), None),
    ("kvinna", 420, None, "praktik_arbetsprovning"),
    ("man", 330, None, "arbets_studieformaga"),
    ("kvinna", 240, None, "studier_annan_ersattning"),
    ("man", 150, None, "praktik_arbetsprovning"),
    ("kvinna", 70, None, None),
    ("annat", 40, None, None),
    ("man", 500, ("arbete", "no_self_support", ""), "praktik_arbetsprovning"),
]
UNDONE = len(PARTICIPANTS) - 1
FIRST_NAMES = {
    "kvinna": ["Alva", "Sanna", "Leila", "Maja", "Ebba", "Nour", "Tove", "Hanna"],
    "man": ["Erik", "Johan", "Ali", "Mikael", "Oskar", "Samir", "Viktor", "Emil"],
    "annat": ["Kim"],
}
SURNAMES = ["Testsson", "Provare", "Exempelsdotter", "Demoberg", "Fiktivsson", "Påhittad"]


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


def _historical_apps(targets):
    """The models as they were at ``targets``."""
    nodes = [node for node in targets if node[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _module(name):
    return importlib.import_module(name)


def _at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _personnummer(gender):
    """A Skatteverket test number; its second-last digit is odd for men."""
    while True:
        number = next_personnummer()
        if gender == "annat" or (int(number[10]) % 2 == 1) == (gender == "man"):
            return number


def _fill_the_old_state(old):
    """Demo-like data written with the historical models of the old state
    ``old``; returns the steering-group user's id."""
    today = timezone.localdate()
    Organisation = old.get_model("rattinsats", "Organisation")
    User_ = old.get_model("rattinsats", "User")
    Group_ = old.get_model("auth", "Group")
    Permission_ = old.get_model("auth", "Permission")
    AuditEvent = old.get_model("rattinsats", "AuditEvent")
    Participant = old.get_model("participants", "Participant")
    Consent = old.get_model("participants", "Consent")
    Task = old.get_model("participants", "Task")
    MoveCategory = old.get_model("mapping", "MoveCategory")
    StepwiseMove = old.get_model("mapping", "StepwiseMove")
    GoalDocument = old.get_model("mapping", "GoalDocument")
    Flag = old.get_model("participants", "Flag")
    InterventionActivity = old.get_model("participants", "InterventionActivity")
    Intervention = old.get_model("participants", "Intervention")
    JournalNote = old.get_model("participants", "JournalNote")
    StatusSnapshot = old.get_model("participants", "StatusSnapshot")
    Closure = old.get_model("participants", "Closure")
    FollowUp = old.get_model("participants", "FollowUp")
    LabourMarketTraining = old.get_model("participants", "LabourMarketTraining")
    SummaryDocument = old.get_model("participants", "SummaryDocument")

    # The data migrations' rows: a transactional test before this one may
    # have emptied their tables.
    for kind, name in _module("rattinsats.migrations.0002_organisations").ORGANISATIONS:
        Organisation.objects.get_or_create(kind=kind, defaults={"name": name})
    for code, name, counts, order in _module("mapping.migrations.0002_move_categories").CATEGORIES:
        MoveCategory.objects.get_or_create(
            code=code, defaults={"name": name, "counts_as_move": counts, "order": order}
        )
    for track, name, order in _module("participants.migrations.0003_casework").ACTIVITIES:
        InterventionActivity.objects.get_or_create(
            track=track, name=name, defaults={"order": order}
        )
    orgs = {o.kind: o for o in Organisation.objects.all()}
    categories = {c.code: c for c in MoveCategory.objects.all()}

    def account(username, first, last, role, org):
        user, _ = User_.objects.get_or_create(
            username=username,
            defaults={
                "password": make_password(PASSWORD),
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.invalid",
                "role": role,
                "organisation": orgs[org],
                "is_staff": role == Role.ADMIN,
            },
        )
        return user

    staff = [
        account("personal", "Petra", "Persson", Role.STAFF, "jobbcentrum"),
        account("personal2", "Karim", "Lind", Role.STAFF, "ekonomiskt_bistand"),
    ]
    officer = account(
        "arbetsformedlare", "Anna", "Berg", Role.EMPLOYMENT_OFFICER, "arbetsformedlingen"
    )
    steering = account("styrgrupp", "Stina", "Ek", Role.STEERING, "ekonomiskt_bistand")
    admin = account("admin", "Adam", "Dahl", Role.ADMIN, "jobbcentrum")

    # One group per role; the administrators hold the admin permissions.
    groups = {role: Group_.objects.get_or_create(name=str(role.label))[0] for role in Role}
    for app_label, model, actions in ADMIN_PERMISSIONS_BEFORE_THE_MOVE:
        groups[Role.ADMIN].permissions.add(
            *Permission_.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )
    for user in [*staff, officer, steering, admin]:
        user.groups.add(groups[user.role])

    def flag(participant, kind, organisation, reason, created_by, created_at, handled):
        """A flag; ``handled``: sent and acknowledged, as the audit trail
        records it."""
        made = Flag.objects.create(
            participant=participant,
            kind=kind,
            organisation=organisation,
            reason=reason,
            created_by=created_by,
            created_at=created_at,
        )
        if handled:
            made.status = "done"
            made.sent_at = created_at + datetime.timedelta(days=1)
            made.done_at = created_at + datetime.timedelta(days=3)
            made.save()
            for detail in ("status sent", "status done"):
                AuditEvent.objects.create(
                    user=created_by,
                    action="change",
                    object_type="participants.flag",
                    object_id=str(made.pk),
                    participant_id=participant.pk,
                    detail=detail,
                )
        return made

    participants = []
    for i, (gender, days, closure, move) in enumerate(PARTICIPANTS):
        responsible = staff[i % 2]
        start = today - datetime.timedelta(days=days)
        referrer = orgs["arbetsformedlingen" if i % 3 == 2 else "jobbcentrum"]
        participant = Participant.objects.create(
            personnummer=_personnummer(gender),
            first_name=FIRST_NAMES[gender][i % len(FIRST_NAMES[gender])],
            last_name=SURNAMES[(i * 7) % len(SURNAMES)],
            gender=gender,
            phone=f"070-000 00 {i:02d}",
            target_group="AF14" if referrer.kind == "arbetsformedlingen" else "FS",
            sus_consent=i % 4 != 0,
            start_date=start,
            responsible=responsible,
            referring_organisation=referrer,
            created_at=_at(start, 9),
        )
        participants.append(participant)
        end = None
        if closure is not None:
            end = min(start + datetime.timedelta(days=150 + (i * 53) % 400), today)
            end = min(end, today - datetime.timedelta(days=10 + i))
        # One consent leaves Arbetsförmedlingen out: its closure flag is missing.
        covered = [o for o in orgs.values() if i != 7 or o.kind != "arbetsformedlingen"]
        consent = Consent.objects.create(
            participant=participant,
            signed_on=start,
            valid_until=today + datetime.timedelta(days=200 + i),
            recorded_by=responsible,
            recorded_at=_at(start),
        )
        consent.organisations.set(covered)

        # One move per three-month period begun by the end (or today).
        periods = [k for k in range(1, 9) if period_bounds(start, k)[0] <= (end or today)]
        for k in periods:
            code = move or PREPARING
            if k == 1 and len(periods) > 1 and i % 3 == 0:
                code = PREPARING
            period_start, period_end = period_bounds(start, k)
            StepwiseMove.objects.create(
                participant=participant,
                period=k,
                period_start=period_start,
                period_end=period_end,
                category=categories[code],
                recorded_by=responsible,
                recorded_at=_at(min(period_end, today)),
            )
        af14 = participant.target_group == "AF14"
        StatusSnapshot.objects.create(
            participant=participant,
            moment="start",
            employment_status="other" if af14 else "seeking_work",
            income_source="sjukpenning" if af14 else "ekonomiskt_bistand",
            recorded_by=responsible,
            recorded_at=_at(start),
        )
        if not af14:
            flag(
                participant,
                "start",
                orgs["ekonomiskt_bistand"],
                "Start i Rätt insats.",
                responsible,
                _at(start, 11),
                handled=days > 60,
            )
        if closure is None:
            continue

        reason, result, other_reason = closure
        employment, income = {
            "csn_studies": ("studies", "csn"),
            "job_without_support": ("paid_work", "salary"),
            "no_self_support": ("subsidised_work", "ekonomiskt_bistand"),
            "": ("seeking_work", "aktivitetsstod"),
        }.get(result, ("subsidised_work", "salary"))
        record = Closure.objects.create(
            participant=participant,
            closed_on=end,
            reason=reason,
            result=result,
            other_reason=other_reason,
            note="Se journalen." if reason == "ovriga" else "Avslutad enligt plan.",
            employment_status=employment,
            income_source=income,
            closed_by=responsible,
            closed_at=_at(end, 14),
        )
        if i == UNDONE:
            # Closed by mistake and undone the next day: active again.
            record.reopened_at = _at(end + datetime.timedelta(days=1))
            record.reopened_by = responsible
            record.reopen_reason = "Avslutet registrerades på fel deltagare."
            record.save()
            continue
        participant.status = "avslutad"
        participant.end_date = end
        participant.closure_reason = reason
        participant.closure_result = result
        participant.save()
        StatusSnapshot.objects.create(
            participant=participant,
            moment="end",
            employment_status=employment,
            income_source=income,
            recorded_by=responsible,
            recorded_at=_at(end, 14),
        )
        handled = (today - end).days > 45
        for organisation in orgs.values():
            if organisation in covered:
                record.flags.add(
                    flag(
                        participant,
                        "closure",
                        organisation,
                        "Avslut i Rätt insats.",
                        responsible,
                        _at(end, 14),
                        handled=handled,
                    )
                )
            else:
                record.flags_missing.add(organisation)
        if reason != "ovriga":
            due = add_months(end, 1)
            record.follow_up_task = Task.objects.create(
                kind="follow_up",
                participant=participant,
                assignee=responsible,
                due_on=due,
                created_at=_at(end, 14),
                done_at=_at(due) if handled else None,
                done_by=responsible if handled else None,
            )
            record.save()
            if handled:
                extended = result == "lonebidrag"
                FollowUp.objects.create(
                    closure=record,
                    followed_up_on=due,
                    reached=True,
                    self_supporting=result != "no_self_support",
                    working=True,
                    extended_support=extended,
                    extended_support_until=add_months(due, 3) if extended else None,
                    note="Trivs på arbetet.",
                    recorded_by=responsible,
                    recorded_at=_at(due),
                )
        if i == 0:
            text = "Deltagaren studerar med CSN från hösten."
            pdf = b"%PDF-1.7\n% Sammanfattande dokumentation\n%%EOF\n"
            SummaryDocument.objects.create(
                participant=participant,
                closure=record,
                version=1,
                text=text,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                created_by=responsible,
                created_at=_at(end, 15),
            )

    # Casework of the active participants.
    active = [p for p in participants if p.status == "aktiv"]
    activities = {(a.track, a.name): a for a in InterventionActivity.objects.all()}
    for n, participant in enumerate(active[:4]):
        owner = participant.responsible
        begun = participant.start_date + datetime.timedelta(days=14)
        Intervention.objects.create(
            participant=participant,
            activity=activities[("arbete", "Motiverande samtal (MI)")],
            start_date=begun,
            end_date=begun + datetime.timedelta(days=30),
            notes="Tre samtal.",
            created_by=owner,
            created_at=_at(begun),
        )
        Intervention.objects.create(
            participant=participant,
            activity=activities[
                ("formaga", "Arbetsprövning") if n % 2 else ("arbete", "Ordna praktik")
            ],
            start_date=begun + datetime.timedelta(days=31),
            notes="Praktik på lager." if n % 2 == 0 else "",
            created_by=owner,
            created_at=_at(begun + datetime.timedelta(days=31)),
            updated_by=officer,
            updated_at=_at(begun + datetime.timedelta(days=40)),
            version=2,
        )
        written = JournalNote.objects.create(
            participant=participant,
            kind="journal",
            happened_on=begun,
            text="Kartläggningsmöte: vill arbeta inom lager och logistik.",
            author=owner,
            created_at=_at(begun, 13),
        )
        if n == 0:
            JournalNote.objects.create(
                participant=participant,
                kind="journal",
                happened_on=begun,
                text="Rättelse: vill arbeta inom handel.",
                author=owner,
                corrects=written,
                created_at=_at(begun, 16),
            )
        JournalNote.objects.create(
            participant=participant,
            kind="dag",
            happened_on=begun + datetime.timedelta(days=2),
            text="Ringde, bokade nytt möte.",
            author=officer,
            created_at=_at(begun + datetime.timedelta(days=2)),
        )
        GoalDocument.objects.create(
            participant=participant,
            goal="Arbete inom handel.",
            delmal_1="Praktik på en butik.",
            delmal_1_status="uppnatt",
            delmal_2="Truckkort.",
            delmal_2_status="pagaende",
            consent_renewal_on=today + datetime.timedelta(days=180),
            version=2,
            updated_by=owner,
            updated_at=_at(begun),
        )
    trainee = active[0]
    LabourMarketTraining.objects.create(
        participant=trainee,
        starts_on=trainee.start_date + datetime.timedelta(days=60),
        ends_on=trainee.start_date + datetime.timedelta(days=120),
        note="Truckutbildning.",
        recorded_by=trainee.responsible,
    )
    flag(
        active[1],
        "manual",
        orgs["arbetsformedlingen"],
        "Behöver kontakt med handläggare.",
        active[1].responsible,
        _at(today),
        handled=False,
    )
    return steering.pk


def _client_for(user_id):
    """A client logged in as ``user_id`` (today's User model: the user table
    is the same in every state). The ``user_logged_in`` receivers are not
    run: one clears the form drafts, a table the old state lacks."""
    client = Client()
    with mock.patch.object(user_logged_in, "send"):
        client.force_login(User.objects.get(pk=user_id))
    return client


def _results(client):
    response = client.get(reverse("reports:results_json"))
    assert response.status_code == 200
    return response.json()


def _columns():
    """{table: its columns} of every table."""
    with connection.cursor() as cursor:
        return {
            table: {
                (column.name, column.type_code, column.null_ok)
                for column in connection.introspection.get_table_description(cursor, table)
            }
            for table in connection.introspection.table_names(cursor)
        }


def _rows(table, columns):
    """Every row of ``table``, in primary key order, read as ``columns``."""
    quote = connection.ops.quote_name
    selected = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {quote(table)} ORDER BY id")  # noqa: S608 - ours
        return [
            tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)
            for row in cursor.fetchall()
        ]


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
        steering = _fill_the_old_state(_historical_apps(OLD_LEAVES))
        old_columns = _columns()
        client = _client_for(steering)
        with CaptureQueriesContext(connection) as fetch:
            results = _results(client)
        # Only the columns of the old state are compared: later migrations
        # may add some.
        columns = {
            table: sorted(name for name, _type, _null in old_columns[table])
            for table in MOVED_TABLES
        }
        rows = {table: _rows(table, columns[table]) for table in MOVED_TABLES}
        content_types = _content_types("participants")
        permissions = _permissions("participants")
        administrators = Group.objects.get(name=str(Role.ADMIN.label))
        granted = set(administrators.permissions.values_list("id", flat=True))
        # The old state is what it should be: the moved models' content
        # types belong to participants (today's code made none under the
        # new apps), and every table has rows.
        assert sorted(content_types) == sorted(MOVED_NAMES)
        assert len(permissions) == 4 * len(MOVED_NAMES)
        assert _content_types("casework") == {} and _content_types("closure") == {}
        assert set(granted) >= {
            permissions[f"{action}_interventionactivity"]
            for action in ("add", "change", "delete", "view")
        }
        assert all(rows.values()), [table for table, found in rows.items() if not found]
        assert results["participants"]["total"] >= len(PARTICIPANTS)
        assert results["self_support"]["total"] >= 6
        assert results["stepwise_moves"]["participants_with_move"] > 0
        assert all(results["self_support"]["by_category"].values())
        assert all(results["stepwise_moves"]["by_category"].values())

        _migrate()

        # Today's code read no table that a later migration changed.
        changed = {table for table, found in _columns().items() if old_columns.get(table) != found}
        read = {
            table
            for table in changed
            if any(connection.ops.quote_name(table) in query["sql"] for query in fetch)
        }
        assert not read, f"results.json read tables changed after the old state: {read}"

        assert _results(client) == results
        assert {table: _rows(table, columns[table]) for table in MOVED_TABLES} == rows
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
    """The re-cut migrations change no table. Compared right after them:
    later migrations (casework 0002, rattinsats 0003) add columns and tables."""
    try:
        _migrate(OLD_LEAVES)
        tables, moved = _schema()
        _migrate(RECUT)
        applied = MigrationExecutor(connection).loader.applied_migrations
        assert set(RECUT) <= set(applied)
        assert ("casework", "0002_flag_states_sent_by_withdrawn") not in applied
        assert _schema() == (tables, moved)
        assert set(MOVED_TABLES) <= tables
    finally:
        _migrate()
