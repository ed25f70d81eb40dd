import pytest
from django.urls import reverse

from rattinsats.models import AuditEvent
from tests.conftest import client_for


def test_it_shows_the_login_page_in_swedish(client):
    html = client.get(reverse("login")).content.decode()
    assert "Logga in" in html
    assert "Användarnamn" in html
    assert 'lang="sv"' in html


def test_it_logs_in_and_lands_on_the_role_start_page(client, owner):
    response = client.post(
        reverse("login"), {"username": "owner", "password": "Testlösenord-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("casework:tasks")
    assert AuditEvent.objects.filter(action="login", user=owner).count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", "/deltagare/att-gora/"),
        ("officer", "/deltagare/att-gora/"),
        ("administrator", "/admin/"),
    ],
)
def test_it_sends_each_role_to_its_start_page(request, role, expected):
    response = client_for(request.getfixturevalue(role)).get("/")
    assert response.status_code == 302
    assert response.url == expected


def test_it_locks_out_after_repeated_failures(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "owner", "password": "fel"})
    response = client.post(reverse("login"), {"username": "owner", "password": "Testlösenord-123"})
    assert response.status_code == 429
    assert "tillfälligt spärrat" in response.content.decode()


def test_it_requires_login_everywhere_but_the_login_page(client):
    for url in ["/", reverse("notifications"), reverse("password_change"), "/admin/"]:
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.request["PATH_INFO"] == reverse("login"), url


def test_it_logs_out_with_post_only(owner):
    client = client_for(owner)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_it_changes_the_password(owner):
    client = client_for(owner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Testlösenord-123",
            "new_password1": "Ett-nytt-langt-losenord-42",
            "new_password2": "Ett-nytt-langt-losenord-42",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Ett-nytt-langt-losenord-42")


def test_it_refuses_a_short_password_in_swedish(owner):
    client = client_for(owner)
    response = client.post(
        reverse("password_change"),
        {"old_password": "Testlösenord-123", "new_password1": "kort", "new_password2": "kort"},
    )
    assert response.status_code == 200
    assert "för kort" in response.content.decode()


def test_it_shows_a_swedish_404_that_reveals_nothing(owner):
    response = client_for(owner).get("/deltagare/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Sidan finns inte" in html
    assert "999999" not in html


def test_it_lists_and_marks_notifications(owner):
    owner.notifications.create(message="En anvisning har kommit in.", url="/")
    client = client_for(owner)
    assert "En anvisning har kommit in." in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notifications_mark_read"))
    assert not owner.notifications.filter(read_at__isnull=True).exists()


def test_it_sets_the_security_headers(owner):
    response = client_for(owner).get(reverse("notifications"))
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
