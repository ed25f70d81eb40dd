"""The Django admin is for administrators: anyone else signed in gets a
404 (with a denied event), never the redirect loop through the login page."""

import pytest
from django.urls import reverse

from rattinsats.models import AuditEvent
from rattinsats.services import account_sync_role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/rattinsats/user/", "/admin/rattinsats/auditevent/"]


@pytest.mark.parametrize("role", ["owner", "counsellor", "officer", "steering"])
def test_signed_in_non_administrators_get_404(request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Sidan finns inte" in response.text
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.DENIED).count() == len(
        ADMIN_PAGES
    )


def test_a_staff_user_is_not_sent_round_in_a_loop(owner):
    response = client_for(owner).get("/admin/", follow=True)
    assert response.status_code == 404
    assert response.redirect_chain == []


def test_an_administrator_still_reaches_the_admin(administrator):
    account_sync_role(administrator)
    client = client_for(administrator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/rattinsats/user/").status_code == 200


def test_someone_not_signed_in_goes_to_the_login_page(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
