"""What a process keeps from the users' rows (rattinsats.user_lists): the
overview's and the dashboard's lists of staff, read once and kept until a
user changes, in any process, however the change was saved."""

import pytest
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rattinsats.models import Role
from rattinsats.user_lists import kept_while_users_unchanged, users_changed, users_version
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _staff_list(client, page: str = "mapping:overview") -> str:
    html = client.get(reverse(page)).text
    start = html.index('name="responsible"')
    return html[start : html.index("</select>", start)]


def test_a_new_renamed_or_departed_staff_member_shows_at_once(owner):
    client = client_for(owner)
    assert "Vera Nyberg" not in _staff_list(client)
    vera = UserFactory(username="vera", first_name="Vera", last_name="Nyberg", role=Role.STAFF)
    assert "Vera Nyberg" in _staff_list(client)
    vera.last_name = "Lind"
    vera.save()
    listed = _staff_list(client)
    assert "Vera Lind" in listed and "Vera Nyberg" not in listed
    vera.is_active = False
    vera.save(update_fields=["is_active"])
    assert "Vera Lind (har slutat)" in _staff_list(client)
    vera.delete()
    assert "Vera Lind" not in _staff_list(client)


def test_the_list_is_read_once_while_no_user_changes(owner):
    client = client_for(owner)
    _staff_list(client)
    with CaptureQueriesContext(connection) as captured:
        _staff_list(client)
    read = [q["sql"] for q in captured.captured_queries]
    assert not any('"role" IN' in sql for sql in read), read
    assert sum("rattinsats_cache" in sql for sql in read) == 1


def test_a_login_changes_no_list():
    user = UserFactory(role=Role.STAFF)
    before = users_version()
    update_last_login(None, user)
    assert users_version() == before
    user.first_name = "Ny"
    user.save()
    assert users_version() != before


def test_another_process_sees_the_change_through_the_shared_cache():
    made = []

    def make():
        made.append(1)
        return len(made)

    assert kept_while_users_unchanged("test-list", make) == 1
    assert kept_while_users_unchanged("test-list", make) == 1
    # A change saved by another process: only the cache's token tells.
    users_changed()
    assert kept_while_users_unchanged("test-list", make) == 2
    # A token the cache has lost (culled, cleared): made again.
    cache.clear()
    assert kept_while_users_unchanged("test-list", make) == 3
    assert kept_while_users_unchanged("test-list", make) == 3


def test_a_rolled_back_change_leaves_the_token(owner):
    before = users_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        owner.first_name = "Tillfällig"
        owner.save()
        assert users_version() != before
        raise RuntimeError
    assert users_version() == before


def test_the_dashboard_shows_a_new_renamed_or_deleted_staff_member_at_once(owner):
    client = client_for(owner)
    assert "Vera Nyberg" not in _staff_list(client, "reports:dashboard")
    vera = UserFactory(username="vera", first_name="Vera", last_name="Nyberg", role=Role.STAFF)
    listed = _staff_list(client, "reports:dashboard")
    assert f'<option value="{vera.pk}">Vera Nyberg</option>' in listed
    vera.last_name = "Lind"
    vera.save()
    listed = _staff_list(client, "reports:dashboard")
    assert "Vera Lind" in listed and "Vera Nyberg" not in listed
    vera.delete()
    assert "Vera Lind" not in _staff_list(client, "reports:dashboard")


def test_the_dashboard_reads_its_staff_list_once_while_no_user_changes(owner):
    client = client_for(owner)
    _staff_list(client, "reports:dashboard")
    with CaptureQueriesContext(connection) as captured:
        _staff_list(client, "reports:dashboard")
    read = [q["sql"] for q in captured.captured_queries]
    assert not any('"role" IN' in sql for sql in read), read
    chosen = client.get(reverse("reports:dashboard"), {"responsible": owner.pk}).text
    assert f'<option value="{owner.pk}" selected>' in chosen
