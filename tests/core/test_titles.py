"""Every page's title: its own name, a dash, the app's name; never a
participant's name (titles stay in the browser's history)."""

import re
from html import unescape

import pytest
from django.urls import NoReverseMatch, reverse

from participants.tabs import TABS
from rattinsats.navigation import MENU
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"^\S.* – Rätt insats$")


def _title(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "no title"
    return unescape(match.group(1))


def _check(client, url, forbidden=()):
    response = client.get(url)
    assert response.status_code == 200, url
    title = _title(response)
    assert TITLE.match(title), f"{url}: {title!r}"
    assert title.count("Rätt insats") == 1, f"{url}: {title!r}"
    for word in forbidden:
        assert word not in title, f"{url}: {title!r}"
    return title


def _menu_urls(role):
    urls = []
    for entry in MENU:
        if role in entry.roles and entry.url_name != "admin:index":
            try:
                urls.append(reverse(entry.url_name))
            except NoReverseMatch:
                continue
    return urls


def test_participant_pages_name_the_tab_and_the_number_never_the_person(owner, reference_data):
    participant = ParticipantFactory(responsible=owner, first_name="Tindra", last_name="Namnsson")
    ConsentFactory(participant=participant)
    client = client_for(owner)
    private = ("Tindra", "Namnsson", participant.personnummer, participant.personnummer_display)
    for label, name in TABS:
        try:
            url = reverse(name, args=[participant.pk])
        except NoReverseMatch:
            continue
        title = _check(client, url, private)
        assert title == f"{label} – Deltagare {participant.pk} – Rätt insats"


def test_main_pages_of_every_role_have_a_separated_title(
    owner, officer, counsellor, steering, administrator, reference_data
):
    ReferralFactory(first_name="Henrietta", last_name="Anvisadsson")
    for user in (owner, officer, counsellor, steering, administrator):
        client = client_for(user)
        for url in [*_menu_urls(user.role), reverse("notifications"), reverse("password_change")]:
            _check(client, url, ("Henrietta", "Anvisadsson"))


def test_the_login_and_error_pages_too(client, owner):
    assert _check(client, reverse("login")) == "Logga in – Rätt insats"
    response = client_for(owner).get("/finns-inte/")
    assert _title(response) == "Sidan finns inte – Rätt insats"
