"""Queries whose SQL is compiled once a process (rattinsats.compiled): the
same rows, converted alike, and the same instances with their relations as
the ORM gives, whatever the values (dates too); the SQL compiled once; and
what cannot be compiled once refused."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from casework.models import Intervention
from casework.overview import notes_flags_interventions
from participants.models import Consent, Participant, Task
from participants.selectors import consents_for
from rattinsats import compiled
from rattinsats.compiled import compiled_first, compiled_objects, compiled_rows
from rattinsats.context_processors import _header
from rattinsats.models import Notification
from tests.factories import ConsentFactory, ParticipantFactory, activity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    # Each test compiles its own queries (the keys are reused below).
    monkeypatch.setattr(compiled, "_compiled", {})


def _named(responsible_pk: int, last_name: str, pks: list[int]):
    return (
        Participant.objects.filter(responsible=responsible_pk, last_name=last_name, pk__in=pks)
        .order_by("pk")
        .values_list("pk", "start_date", "sus_consent", "last_name")
    )


def test_rows_are_the_orms_for_any_values(owner, teammate):
    mine = ParticipantFactory.create_batch(
        3, responsible=owner, last_name="Andersson", start_date=datetime.date(2026, 2, 1)
    )
    theirs = ParticipantFactory(
        responsible=teammate, last_name="Berg", start_date=datetime.date(2025, 5, 3)
    )
    every = [p.pk for p in [*mine, theirs]]
    for responsible, name in ((owner, "Andersson"), (teammate, "Berg"), (owner, "Berg")):
        rows = compiled_rows("named", _named, responsible.pk, name, every)
        assert rows == list(_named(responsible.pk, name, every))
    rows = compiled_rows("named", _named, owner.pk, "Andersson", every)
    assert len(rows) == 3
    # Dates and booleans come converted, on SQLite too.
    assert rows[0][1] == datetime.date(2026, 2, 1)
    assert isinstance(rows[0][2], bool)


def test_the_sql_is_compiled_once(owner, monkeypatch):
    calls = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(self)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    first = ParticipantFactory(responsible=owner, last_name="Ek")
    second = ParticipantFactory(responsible=owner, last_name="Ek")
    assert compiled_rows("named", _named, owner.pk, "Ek", [first.pk, first.pk])
    compiled_once = len(calls)
    assert compiled_once >= 1
    assert [r[0] for r in compiled_rows("named", _named, owner.pk, "Ek", [second.pk, 0])] == [
        second.pk
    ]
    assert len(calls) == compiled_once


def test_a_query_that_leaves_out_a_value_is_refused(owner):
    def ignoring(responsible_pk: int):
        return Participant.objects.filter(responsible=owner.pk).values_list("pk")

    with pytest.raises(ImproperlyConfigured):
        compiled_rows("ignoring", ignoring, owner.pk)
    with pytest.raises(ImproperlyConfigured):
        compiled_rows("flag", lambda flag: Participant.objects.values_list("pk"), True)


def test_the_header_counts_for_each_user(owner, teammate, steering):
    Notification.objects.create(user=owner, message="Ett nytt samtycke.")
    Notification.objects.create(user=owner, message="Läst.", read_at=timezone.now())
    Task.objects.create(assignee=owner, kind=Task.Kind.OTHER)
    Task.objects.create(assignee=owner, kind=Task.Kind.OTHER, done_at=timezone.now())
    assert _header(owner)["unread"] == 1
    assert _header(owner)["tasks"] == 1
    assert _header(teammate)["unread"] == 0
    assert _header(teammate)["tasks"] == 0
    # Outside the project team there are no tasks to count.
    assert _header(steering)["tasks"] == 0
    assert _header(steering)["organisation"] == (
        steering.organisation.name if steering.organisation else ""
    )


def test_instances_are_the_orms_with_their_relations(owner, participant, django_assert_num_queries):
    ConsentFactory(participant=participant)
    ConsentFactory(participant=participant, withdrawn_by=owner, withdrawn_at=timezone.now())
    ConsentFactory(participant=ParticipantFactory(responsible=owner))
    expected = list(
        Consent.objects.filter(participant=participant)
        .select_related("recorded_by", "withdrawn_by", "text_version")
        .prefetch_related("organisations")
        .order_by("pk")
    )
    consents_for(participant)  # compiled
    with django_assert_num_queries(2):  # the consents, then their organisations
        found = sorted(consents_for(participant), key=lambda c: c.pk)
    with django_assert_num_queries(0):
        assert [c.pk for c in found] == [c.pk for c in expected]
        for mine, theirs in zip(found, expected, strict=True):
            assert {f.attname: getattr(mine, f.attname) for f in Consent._meta.concrete_fields} == {
                f.attname: getattr(theirs, f.attname) for f in Consent._meta.concrete_fields
            }
            assert mine.recorded_by == theirs.recorded_by
            assert mine.withdrawn_by == theirs.withdrawn_by
            assert mine.participant is participant  # known, not read again
            assert {o.name for o in mine.organisations.all()} == {
                o.name for o in theirs.organisations.all()
            }
            assert not mine._state.adding and mine._state.db == "default"


def _of(responsible_pk: int):
    return Participant.objects.filter(responsible=responsible_pk)


def _by_name(responsible_pk: int):
    return _of(responsible_pk).order_by("-last_name")


def _unordered(responsible_pk: int):
    return _of(responsible_pk).order_by()


def test_the_first_is_firsts(owner, teammate):
    ParticipantFactory(responsible=owner, last_name="Berg")
    ParticipantFactory(responsible=owner, last_name="Ek")
    ParticipantFactory(responsible=owner, last_name="Alm")
    for build in (_of, _by_name, _unordered):
        assert compiled_first(build.__name__, build, owner.pk) == build(owner.pk).first()
        assert compiled_first(build.__name__, build, teammate.pk) is None
    assert compiled_first("_of", _of, owner.pk).last_name == "Alm"  # the model's order
    assert compiled_first("_by_name", _by_name, owner.pk).last_name == "Ek"
    assert compiled_first("_unordered", _unordered, owner.pk).last_name == "Berg"  # the key's


def test_a_date_is_a_value_like_any_other(owner, participant):
    started = datetime.date(2026, 3, 2)
    ended = datetime.date(2026, 5, 29)
    Intervention.objects.create(
        participant=participant,
        activity=activity(),
        start_date=started,
        end_date=ended,
        created_by=owner,
    )
    Intervention.objects.create(
        participant=participant, activity=activity(), start_date=ended, created_by=owner
    )
    for day, expected in (
        (datetime.date(2026, 3, 1), 0),
        (started, 1),
        (ended, 2),
        (datetime.date(2026, 6, 1), 1),
    ):
        found = notes_flags_interventions(participant, day)["interventions"]
        assert len(found) == expected, day
        assert all(i.activity.name == "Arbetsprövning" for i in found)


def test_queries_that_cannot_be_compiled_once_are_refused(participant):
    with pytest.raises(ImproperlyConfigured):  # a related manager keeps its instance
        compiled_objects("related", lambda pk: participant.consents.filter(pk=pk), 1)
    with pytest.raises(ImproperlyConfigured):  # the SQL depends on the value
        compiled_objects(
            "shape",
            lambda pk: (
                Participant.objects.filter(pk=pk) if pk < 1000 else Participant.objects.all()
            ),
            participant.pk,
        )
    with pytest.raises(ValueError):  # "= NULL" is never true
        compiled_objects("participant", lambda pk: Participant.objects.filter(pk=pk), None)
    with pytest.raises(ImproperlyConfigured):  # a values query is no instances
        compiled_objects(
            "values", lambda pk: Participant.objects.filter(pk=pk).values_list("pk"), 1
        )
