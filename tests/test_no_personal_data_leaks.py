"""A personnummer typed, requested or raised never reaches log output or an
error page."""

import io
import logging

import pytest
from django.test import Client

from .conftest import client_for

PERSONNUMMER = "19900101-9802"


@pytest.fixture
def console_output():
    """What the app's configured console handler writes."""
    handler = next(h for h in logging.getLogger("django").handlers if h.get_name() == "console")
    stream = io.StringIO()
    original = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(original)


def test_it_masks_a_personnummer_in_a_404_log_line(owner, console_output):
    response = client_for(owner).get(f"/deltagare/{PERSONNUMMER}/")
    assert response.status_code == 404
    assert PERSONNUMMER not in response.content.decode()
    logged = console_output.getvalue()
    assert "Not Found" in logged
    assert "9802" not in logged and "[personnummer]" in logged


def test_it_hides_an_exception_from_the_500_page_and_masks_the_log(owner, settings, console_output):
    settings.ROOT_URLCONF = "tests.urls_failing"
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.get("/test-fel/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Tekniskt fel" in page
    assert "9802" not in page and "Alva" not in page and "RuntimeError" not in page
    logged = console_output.getvalue()
    assert "Internal Server Error" in logged
    assert "9802" not in logged
    assert "[personnummer]" in logged


def test_it_keeps_a_searched_personnummer_out_of_urls_and_logs(owner, console_output):
    client = client_for(owner)
    response = client.post("/deltagare/", {"q": PERSONNUMMER})
    assert response.status_code == 200
    assert PERSONNUMMER not in response.request["PATH_INFO"]
    assert "9802" not in console_output.getvalue()
