"""Swedish first: the browser's language does not switch it silently; the
footer's switch does, and the choice is remembered in a cookie."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def test_an_english_browser_gets_swedish(client, owner):
    for accept in ("en", "en-GB,en;q=0.9", "en-US,en;q=0.8,sv;q=0.5"):
        response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)
        assert _lang(response) == "sv", accept
        assert "Logga in" in response.text and "Användarnamn" in response.text
        assert response["Content-Language"] == "sv"
    page = client_for(owner).get(reverse("casework:tasks"), HTTP_ACCEPT_LANGUAGE="en")
    assert _lang(page) == "sv"
    assert "<h1>Att göra</h1>" in page.text


def test_the_language_cookie_gives_english(owner):
    client = client_for(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("casework:tasks"), HTTP_ACCEPT_LANGUAGE="sv")
    assert _lang(page) == "en"
    assert "<h1>To do</h1>" in page.text
    login = Client()
    login.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _lang(login.get(reverse("login"))) == "en"


def test_an_unknown_language_in_the_cookie_gives_swedish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert _lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")) == "sv"


def test_the_footer_switch_chooses_and_remembers_it(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    assert _lang(response) == "en"
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 365 * 24 * 60 * 60  # remembered, not for the session only
    assert cookie["samesite"] == "Lax" and cookie["httponly"]
    # Back to Swedish the same way.
    client.post(reverse("set_language"), {"language": "sv", "next": reverse("login")})
    assert _lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")) == "sv"
