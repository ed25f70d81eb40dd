"""The goal-document overview read a page at a time from a row (keyset
pagination): the same rows whether the user may see few participants (read
from their permission rows) or many (read along the name index, each row
checked), pages that start after or before any row, the letters to jump
to, and ids of rows the user may not see."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from guardian.shortcuts import assign_perm

from mapping import selectors
from participants import selectors as participant_selectors
from participants.models import Participant
from rattinsats import compiled
from tests.conftest import client_for
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

ROW_NAME = re.compile(r'<th scope="row"><a href="/deltagare/(\d+)/mal/">')


def ids_on(html: str) -> list[int]:
    return [int(pk) for pk in ROW_NAME.findall(html)]


def link(html: str, key: str) -> str | None:
    found = re.search(rf'href="\?(?:[^"]*&amp;)?{key}=(\d+)"', html)
    return found.group(1) if found else None


@pytest.fixture
def many(owner, teammate):
    """120 of the owner's participants in name order (three pages), and 5
    of a teammate's the owner may not see."""
    mine = [
        ParticipantFactory(responsible=owner, last_name=f"{'ABKÖ'[i % 4]}son{i:03d}")
        for i in range(120)
    ]
    for i in range(5):
        ParticipantFactory(responsible=teammate, last_name=f"Bson{i:03d}x")
    return sorted(mine, key=lambda p: (p.last_name, p.first_name, p.pk))


@pytest.fixture(params=["few", "many"])
def mode(request, monkeypatch):
    """Both ways of reading: the owner's 120 participants are "few" by
    default, "many" with a lower limit."""
    if request.param == "many":
        monkeypatch.setattr(participant_selectors, "FEW_VISIBLE", 10)
    return request.param


def test_it_pages_forwards_and_back_from_any_row(owner, many, mode):
    client = client_for(owner)
    url = reverse("mapping:overview")
    first = client.get(url).text
    assert ids_on(first) == [p.pk for p in many[:50]]
    assert link(first, "fore") is None and link(first, "efter") == str(many[49].pk)
    if mode == "few":
        assert "120 deltagare" in first
    else:
        assert "Fler än 10 deltagare, 50 per sida" in first
    second = client.get(url, {"efter": many[49].pk}).text
    assert ids_on(second) == [p.pk for p in many[50:100]]
    assert link(second, "fore") == str(many[50].pk)
    third = client.get(url, {"efter": many[99].pk}).text
    assert ids_on(third) == [p.pk for p in many[100:]]
    assert link(third, "efter") is None
    back = client.get(url, {"fore": many[100].pk}).text
    assert ids_on(back) == [p.pk for p in many[50:100]]
    # From any row: the 50 after the 7th.
    assert ids_on(client.get(url, {"efter": many[6].pk}).text) == [p.pk for p in many[7:57]]
    # Before the 30th: the first 29, with no page before them.
    start = client.get(url, {"fore": many[29].pk}).text
    assert ids_on(start) == [p.pk for p in many[:29]] and link(start, "fore") is None


def test_it_jumps_to_a_letter_and_keeps_the_filter(owner, many, mode):
    client = client_for(owner)
    url = reverse("mapping:overview")
    html = client.get(url, {"bokstav": "K", "status": "aktiv"}).text
    expected = [p for p in many if p.last_name >= "K"][:50]
    assert ids_on(html) == [p.pk for p in expected]
    assert link(html, "fore") == str(expected[0].pk)
    assert 'aria-current="true">K</a>' in html
    # The page links keep the filter, and the letters do too.
    assert "?status=aktiv&amp;fore=" in html and "?status=aktiv&amp;bokstav=%C3%96" in html
    # Z: the names from Z on, those with Å, Ä and Ö after it.
    html = client.get(url, {"bokstav": "Z"}).text
    assert ids_on(html) == [p.pk for p in many if p.last_name.startswith("Ö")]
    # Anything else is no letter: the first page.
    assert ids_on(client.get(url, {"bokstav": "Kson"}).text) == [p.pk for p in many[:50]]


def test_a_row_the_user_may_not_see_starts_nothing(owner, teammate, many, mode):
    theirs = ParticipantFactory(responsible=teammate, last_name="Bson050")
    client = client_for(owner)
    url = reverse("mapping:overview")
    for query in ({"efter": theirs.pk}, {"fore": theirs.pk}, {"efter": "x"}, {"efter": 10**15}):
        html = client.get(url, query).text
        assert ids_on(html) == [p.pk for p in many[:50]], query
        assert "Bson050" not in html


def test_the_filter_and_its_pages_agree(owner, teammate, many, mode):
    shared = ParticipantFactory(responsible=teammate, last_name="Delad")
    from participants.services import participant_share

    participant_share(actor=teammate, participant=shared, user=owner)
    client = client_for(owner)
    html = client.get(reverse("mapping:overview"), {"responsible": teammate.pk}).text
    assert ids_on(html) == [shared.pk]
    assert link(html, "efter") is None and link(html, "fore") is None


def test_group_permissions_count_in_both_ways(owner, teammate, monkeypatch):
    """A participant shared through one of the user's groups is on the
    overview whichever way it is read."""
    group = Group.objects.create(name="Grupp")
    owner.groups.add(group)
    via_group = ParticipantFactory(responsible=teammate, last_name="Gruppson")
    assign_perm("participants.view_participant", group, via_group)
    ParticipantFactory.create_batch(12, responsible=owner)
    client = client_for(owner)
    for limit in (2000, 5):
        monkeypatch.setattr(participant_selectors, "FEW_VISIBLE", limit)
        assert via_group.pk in ids_on(client.get(reverse("mapping:overview")).text)


def test_a_page_reads_the_same_queries_at_any_row(owner, many, mode, django_assert_max_num_queries):
    client = client_for(owner)
    url = reverse("mapping:overview")
    client.get(url)
    budget = 13  # the first page's 11, the starting row and the row before it
    for query in ({}, {"efter": many[60].pk}, {"fore": many[60].pk}, {"bokstav": "K"}):
        with django_assert_max_num_queries(budget):
            client.get(url, query)


def test_the_page_keyset_is_the_name_order(owner, many):
    """The selector alone: every row once, in order, walking all pages."""
    seen, after = [], None
    while True:
        page = selectors.overview_page(owner, after=after, size=17)
        seen += page.pks
        if page.next_from is None:
            break
        after = page.next_from
    assert seen == [p.pk for p in many]


def test_many_rows_are_read_with_sql_compiled_once(owner, many, monkeypatch):
    """A user who sees many: the page's queries are compiled once a process
    (rattinsats.compiled), the same for any row and filter, and give the
    pages that the ORM's reading of the few gives."""
    monkeypatch.setattr(compiled, "_compiled", {})
    active = Participant.Status.ACTIVE
    starts = [{"after": many[3].pk}, {"before": many[90].pk}, {"letter": "K"}, {}]
    again = [{"after": many[40].pk}, {"before": many[7].pk}, {"letter": "A"}, {}]

    def pages(kwargs_list):
        return [
            (page.pks, page.previous_from, page.next_from)
            for kwargs in kwargs_list
            for page in (
                selectors.overview_page(owner, **kwargs),
                selectors.overview_page(owner, responsible_id=owner.pk, status=active, **kwargs),
            )
        ]

    few = pages(starts + again)
    monkeypatch.setattr(participant_selectors, "FEW_VISIBLE", 10)
    calls = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        if self.query.model is Participant:
            calls.append(self)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    first = pages(starts)
    compiled_once = len(calls)
    assert compiled_once > 0
    assert first + pages(again) == few
    assert len(calls) == compiled_once


def test_compiled_pages_keep_each_user_to_their_own(owner, teammate, many, monkeypatch):
    """The SQL compiled for one user who sees many serves another with
    their own rows only: the user is a value of the query, never part of
    its text."""
    monkeypatch.setattr(participant_selectors, "FEW_VISIBLE", 3)
    monkeypatch.setattr(compiled, "_compiled", {})
    theirs = {p.pk for p in ParticipantFactory.create_batch(8, responsible=teammate)}
    theirs |= set(Participant.objects.filter(responsible=teammate).values_list("pk", flat=True))
    mine = {p.pk for p in many}
    for user, own in ((owner, mine), (teammate, theirs), (owner, mine)):
        first = selectors.overview_page(user)
        assert first.more and first.pks and set(first.pks) <= own
        for anchor in (many[60].pk, max(theirs)):
            for page in (
                selectors.overview_page(user, after=anchor),
                selectors.overview_page(user, before=anchor),
            ):
                assert set(page.pks) <= own
