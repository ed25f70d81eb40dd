"""Permissions-Policy on every response: the app uses no camera, microphone,
location, payment, USB or other powerful browser feature, and takes no part
in ad-interest profiling (interest-cohort, browsing-topics)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

# Features a case-management app for personal data must never be granted.
DENIED = [
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "serial",
    "hid",
    "bluetooth",
    "display-capture",
    "clipboard-read",
    "interest-cohort",
    "browsing-topics",
]


def _directives(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.split(","))


def assert_denies_everything(response):
    header = response.get("Permissions-Policy")
    assert header, f"no Permissions-Policy on {response.status_code} response"
    directives = _directives(header)
    for feature in DENIED:
        assert directives.get(feature) == "()", feature
    # Nothing is allowed, not even to the app's own origin.
    assert set(directives.values()) == {"()"}, header


@pytest.fixture
def static_files(settings):
    """WhiteNoise serving the project's static files straight from their
    folders (tests never run collectstatic); a new client loads it."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def test_a_signed_in_page_carries_it(owner):
    response = client_for(owner).get(reverse("notifications"))
    assert response.status_code == 200
    assert_denies_everything(response)


def test_the_login_page_carries_it(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert_denies_everything(response)


def test_a_not_found_page_carries_it(owner):
    response = client_for(owner).get("/finns-inte/")
    assert response.status_code == 404
    assert_denies_everything(response)


def test_a_redirect_and_a_refused_method_carry_it(db):
    client = Client()
    redirect = client.get(reverse("participants:list"))
    assert redirect.status_code == 302
    assert_denies_everything(redirect)
    refused = client.get(reverse("session_keepalive"))
    assert refused.status_code == 405
    assert_denies_everything(refused)


def test_a_static_file_served_by_whitenoise_carries_it(static_files, db):
    response = Client().get("/static/favicon.svg")
    assert response.status_code == 200
    # WhiteNoise answered (a file response), not a Django view.
    assert response.streaming and response["Content-Type"].startswith("image/svg")
    assert "no-store" not in response.get("Cache-Control", "")
    assert_denies_everything(response)


def test_a_json_answer_carries_it(owner, reference_data):
    response = client_for(owner).get(reverse("reports:results_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_denies_everything(response)
