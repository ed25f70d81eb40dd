"""The results pages: who sees them, filters and bad input, the three
outputs agreeing with each other, query budgets."""

import datetime
import json
import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from mapping.models import MoveCategory, StepwiseMove
from participants.models import Gender, Participant
from participants.periods import period_bounds
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory, ensure_reference_data, organisation

pytestmark = pytest.mark.django_db

D = datetime.date
URL_NAMES = [
    "reports:dashboard",
    "reports:results_json",
    "reports:results_xlsx",
    "reports:results_pdf",
]


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference_data()


POPULATION_START = D(2024, 1, 1)


def make_population(n=4, *, start=POPULATION_START):
    """``n`` participants: half women; one self-supporting through
    extratjänst, one closed for other reasons, the rest with a move."""
    people = []
    for i in range(n):
        p = ParticipantFactory(
            start_date=start + datetime.timedelta(days=i),
            gender=Gender.WOMAN if i % 2 == 0 else Gender.MAN,
            first_name="Hemlig",
            last_name=f"Deltagarsson{i}",
        )
        if i == 0:
            p.status, p.end_date = Participant.Status.CLOSED, start + datetime.timedelta(days=200)
            p.closure_reason, p.closure_result = "arbete", "extratjanst"
        elif i == 1:
            p.status, p.end_date = Participant.Status.CLOSED, start + datetime.timedelta(days=100)
            p.closure_reason = "ovriga"
        p.save()
        if i != 0:
            first, last = period_bounds(p.start_date, 1)
            StepwiseMove.objects.create(
                participant=p,
                period=1,
                period_start=first,
                period_end=last,
                category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
            )
        people.append(p)
    return people


# --- Who sees it -------------------------------------------------------------


def test_it_redirects_anonymous_users_to_login(client):
    for name in URL_NAMES:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_it_answers_404_to_counsellors_and_logs_it(counsellor):
    client = client_for(counsellor)
    for name in URL_NAMES:
        assert client.get(reverse(name)).status_code == 404, name
    assert AuditEvent.objects.filter(user=counsellor, action="denied").count() == len(URL_NAMES)


@pytest.mark.parametrize("role", ["steering", "owner", "officer", "administrator"])
def test_it_shows_the_results_to_steering_staff_and_administrators(request, role):
    client = client_for(request.getfixturevalue(role))
    for name in URL_NAMES:
        assert client.get(reverse(name)).status_code == 200, (role, name)


def test_it_answers_405_to_other_methods(steering):
    client = client_for(steering)
    for name in URL_NAMES[:2]:
        assert client.post(reverse(name)).status_code == 405, name
    # A POST to the files' URLs starts them as background jobs (the
    # dashboard's buttons); GET answers with the file (the contract).
    for name in URL_NAMES[2:]:
        assert client.delete(reverse(name)).status_code == 405, name


def test_it_refuses_the_steering_group_a_participant_page(steering):
    p = ParticipantFactory()
    response = client_for(steering).get(reverse("participants:detail", args=[p.pk]))
    assert response.status_code == 404


def test_it_shows_the_steering_group_no_person(steering):
    people = make_population()
    client = client_for(steering)
    html = client.get(reverse("reports:dashboard")).content.decode()
    workbook = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx")).content))
    cells = " ".join(
        str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value
    )
    pdf = _pdf_text(client.get(reverse("reports:results_pdf")).content)
    for text in (html, cells, pdf):
        assert "Deltagarsson" not in text and "Hemlig" not in text
        for p in people:
            assert p.personnummer not in text and p.personnummer_display not in text
            # The responsible staff member's name is no figure either.
            assert p.responsible.last_name not in text
    # No link anywhere to a participant page.
    assert "/deltagare/" not in html
    # The steering group cannot filter by staff member.
    assert 'name="responsible"' not in html


def test_it_lets_staff_filter_by_responsible_staff_member(owner):
    people = make_population()
    mine = ParticipantFactory(responsible=owner, start_date=D(2024, 1, 1))
    client = client_for(owner)
    assert 'name="responsible"' in client.get(reverse("reports:dashboard")).content.decode()
    data = client.get(reverse("reports:results_json"), {"responsible": owner.pk}).json()
    assert data["participants"]["total"] == 1
    assert mine.pk not in [p.pk for p in people]


def test_it_ignores_a_responsible_filter_from_the_steering_group(steering, owner):
    make_population()
    data = client_for(steering).get(reverse("reports:results_json"), {"responsible": owner.pk})
    assert data.status_code == 200 and data.json()["participants"]["total"] == 4


# --- Filters and bad input ----------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-13-01"},
        {"from": "i går"},
        {"to": "2024-02-30"},
        {"from": "2024-06-01", "to": "2024-01-01"},
        {"from": "1899-01-01"},
        {"to": "9999-12-31"},
        {"organisation": "abc"},
        {"organisation": "999999"},
    ],
)
def test_it_answers_400_with_a_message_to_a_bad_filter(steering, params):
    client = client_for(steering)
    response = client.get(reverse("reports:results_json"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Ogiltigt filter." and body["errors"]
    for name in ("reports:dashboard", "reports:results_xlsx", "reports:results_pdf"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400, name
        html = response.content.decode()
        assert "Filtret kunde inte användas" in html
        for name_, value in params.items():
            if name_ == "organisation":
                continue
            # A valid date comes back as typed; one that is not a date is
            # never echoed into the date field (invalid HTML), the message
            # says what was wrong.
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                assert f'value="{value}"' not in html
            else:
                assert f'value="{value}"' in html
    assert not AuditEvent.objects.filter(action="export").exists()


def test_it_filters_by_period_and_organisation(steering):
    make_population()
    af = organisation("arbetsformedlingen")
    ParticipantFactory(start_date=D(2025, 1, 1), referring_organisation=af)
    client = client_for(steering)
    url = reverse("reports:results_json")
    data = client.get(url, {"from": "2024-12-01", "to": "2025-12-31"}).json()
    assert data["period"] == {"from": "2024-12-01", "to": "2025-12-31"}
    # Two of the population are still active, plus the new one.
    assert data["participants"]["total"] == 3
    assert client.get(url, {"organisation": af.pk}).json()["participants"]["total"] == 1


def test_it_says_so_when_the_period_has_no_participants(steering):
    client = client_for(steering)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Inga deltagare i perioden." in html
    assert "0 av 0" in html
    pdf = _pdf_text(client.get(reverse("reports:results_pdf")).content)
    assert "Inga deltagare i perioden." in pdf
    wb = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx")).content))
    assert "Inga deltagare i perioden." in [c.value for c in wb["Sammanfattning"]["A"]]


# --- The outputs agree ----------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def _sheet_rows(ws) -> dict:
    return {row[0]: list(row[1:]) for row in ws.iter_rows(min_row=2, values_only=True)}


def test_it_gives_the_same_figures_in_json_excel_pdf_and_dashboard(steering):
    make_population(7)
    client = client_for(steering)
    params = {"from": "2024-01-01", "to": "2024-12-31"}
    data = client.get(reverse("reports:results_json"), params).json()
    html = client.get(reverse("reports:dashboard"), params).content.decode()
    wb = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx"), params).content))
    pdf = _pdf_text(client.get(reverse("reports:results_pdf"), params).content)

    total = data["participants"]["total"]
    self_support = data["self_support"]["total"]
    assert (total, self_support) == (7, 1)
    summary = {row[0]: row[1:4] for row in wb["Sammanfattning"].iter_rows(values_only=True)}
    assert summary["Deltagare i perioden"][0] == total
    assert summary["Egen försörjning"] == (self_support, total, data["self_support"]["share"])
    with_move = data["stepwise_moves"]["participants_with_move"]
    assert summary["Stegvis förflyttning eller egen försörjning"][:2] == (with_move, total)
    for text in (html, pdf):
        assert f"{self_support} av {total}" in text
        assert f"{with_move} av {total}" in text
        assert "2024-01-01" in text and "2024-12-31" in text

    genders = _sheet_rows(wb["Kön"])
    assert genders == {
        "Kvinnor": [data["participants"]["women"]],
        "Män": [data["participants"]["men"]],
        "Annat": [data["participants"]["other"]],
    }
    self_sheet = _sheet_rows(wb["Egen försörjning"])
    assert self_sheet["Extratjänst"] == [data["self_support"]["by_category"]["extratjanst"]]
    assert sum(v[0] for v in self_sheet.values()) == self_support
    moves = _sheet_rows(wb["Stegvisa förflyttningar"])
    by_category = data["stepwise_moves"]["by_category"]
    assert moves["Praktik/arbetsprövning"] == [by_category["praktik_arbetsprovning"]]
    assert moves["Övriga skäl"] == [by_category["ovriga_skal"]]
    # Numbers are stored as numbers.
    assert all(isinstance(v[0], int) for v in moves.values())
    assert re.search(rf"Praktik/arbetsprövning\s*{by_category['praktik_arbetsprovning']}", pdf)
    # Every breakdown sheet carries a native chart.
    for ws in wb.worksheets[1:]:
        assert len(ws._charts) == 1, ws.title
    # The dashboard: a chart beside each table, without style attributes.
    assert html.count("<svg") == 7 and html.count("<table") >= 8
    assert "style=" not in html and "<style" not in html and "<script>" not in html


def test_it_reads_the_demo_results_in_all_three_outputs(steering):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    client = client_for(steering)
    html = client.get(reverse("reports:dashboard")).content.decode()
    pdf = _pdf_text(client.get(reverse("reports:results_pdf")).content)
    wb = load_workbook(BytesIO(client.get(reverse("reports:results_xlsx")).content))
    summary = {row[0]: row[1:4] for row in wb["Sammanfattning"].iter_rows(values_only=True)}
    assert summary["Egen försörjning"] == (25, 63, 0.3968)
    for text in (html, pdf):
        assert "25 av 63" in text and "39,7 %" in text and "Uppnått" in text


def test_it_records_each_export_in_the_audit_trail(steering):
    client = client_for(steering)
    client.get(reverse("reports:results_xlsx"), {"from": "2024-01-01"})
    client.get(reverse("reports:results_pdf"))
    events = list(AuditEvent.objects.filter(action="export").order_by("id"))
    assert [(e.user, e.object_type, e.object_id) for e in events] == [
        (steering, "reports.results", "xlsx"),
        (steering, "reports.results", "pdf"),
    ]
    assert "from=2024-01-01" in events[0].detail


def test_it_sends_the_files_as_downloads(steering):
    client = client_for(steering)
    xlsx = client.get(reverse("reports:results_xlsx"))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx["Content-Disposition"].startswith('attachment; filename="rattinsats-resultat-')
    pdf = client.get(reverse("reports:results_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    page = PdfReader(BytesIO(pdf.content)).pages[0]
    # A4 is 595 × 842 points.
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842


# --- Small cells ------------------------------------------------------------------


def test_it_hides_small_cells_from_the_steering_group(settings, steering, owner):
    # The full method and its proof: tests/reports/test_disclosure_control.py.
    settings.RATTINSATS_SMALL_CELL_THRESHOLD = 3
    settings.RATTINSATS_MIN_COHORT = 4
    make_population(4)
    data = client_for(steering).get(reverse("reports:results_json")).json()
    assert data["participants"] == {"total": 4, "women": "x", "men": "x", "other": 0}
    assert data["self_support"]["by_category"]["extratjanst"] == "x"
    # A total of one small part (and its share) would give the part away.
    assert data["self_support"]["total"] == data["self_support"]["share"] == "x"
    assert data["stepwise_moves"]["by_category"]["praktik_arbetsprovning"] == 3
    html = client_for(steering).get(reverse("reports:dashboard")).content.decode()
    assert ">x</td>" in html and "visas inte antal från 1 till 2" in html
    wb = load_workbook(BytesIO(client_for(steering).get(reverse("reports:results_xlsx")).content))
    assert _sheet_rows(wb["Kön"])["Kvinnor"] == ["x"]
    # Staff see every figure.
    data = client_for(owner).get(reverse("reports:results_json")).json()
    assert data["participants"] == {"total": 4, "women": 2, "men": 2, "other": 0}


# --- Query budgets -----------------------------------------------------------------

# session, user; the contract's figures (one query). The session is renewed
# at most once a minute, not written by every page.
JSON_QUERIES = 3
# As JSON, plus delmål 4 per month and the before/after comparison.
WITH_EXTRAS_QUERIES = JSON_QUERIES + 2
# Plus the header (the unread notifications and the user's organisation,
# one query) and the organisations in the filter form.
DASHBOARD_QUERIES = WITH_EXTRAS_QUERIES + 2


@pytest.mark.parametrize("n", [2, 20])
def test_it_answers_json_in_a_fixed_number_of_queries(n, steering, django_assert_num_queries):
    make_population(n)
    client = client_for(steering)
    client.get(reverse("reports:results_json"))  # warm the session
    with django_assert_num_queries(JSON_QUERIES):
        response = client.get(reverse("reports:results_json"))
    assert response.json()["participants"]["total"] == n


@pytest.mark.parametrize("n", [2, 20])
def test_it_shows_the_dashboard_in_a_fixed_number_of_queries(
    n, steering, django_assert_num_queries
):
    make_population(n)
    client = client_for(steering)
    client.get(reverse("reports:dashboard"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("reports:dashboard"))
    assert f"1 av {n}" in response.content.decode()


def test_it_adds_one_query_for_the_staff_filter(owner, django_assert_num_queries):
    make_population(3)
    client = client_for(owner)
    client.get(reverse("reports:dashboard"))
    # The staff list of the filter; the header's open-task count comes in
    # its one query.
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):
        client.get(reverse("reports:dashboard"))


def test_it_keeps_the_json_contract_keys(steering):
    make_population(2)
    data = json.loads(client_for(steering).get(reverse("reports:results_json")).content)
    assert list(data) == ["period", "participants", "self_support", "stepwise_moves", "goals"]
    assert list(data["participants"]) == ["total", "women", "men", "other"]
    assert list(data["self_support"]) == ["total", "share", "by_category"]
    assert list(data["stepwise_moves"]) == ["participants_with_move", "by_category"]
    assert list(data["goals"]) == ["delmal_2_all_moved", "delmal_3_share_target", "delmal_3_met"]


# The figures with the dashboard's extras, plus the export's audit event.
EXPORT_QUERIES = WITH_EXTRAS_QUERIES + 1


@pytest.mark.parametrize("n", [2, 20])
@pytest.mark.parametrize("name", ["reports:results_xlsx", "reports:results_pdf"])
def test_it_exports_in_a_fixed_number_of_queries(n, name, steering, django_assert_num_queries):
    make_population(n)
    client = client_for(steering)
    client.get(reverse("reports:results_json"))  # warm the session
    with django_assert_num_queries(EXPORT_QUERIES):
        assert client.get(reverse(name)).status_code == 200


def test_it_answers_head_requests(steering):
    assert client_for(steering).head(reverse("reports:dashboard")).status_code == 200
