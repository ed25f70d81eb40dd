"""In real Chromium, employer collaboration from start to result: staff
record a visit at an employer, register a job order, let the app propose a
participant, present them once a consent covers it, record the hire as a
nystartsjobb and close the participation because of work. The results then
count the hire."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from employers.models import Employer, EmployerContact, JobOrder, Match, Placement
from participants.models import Consent, Participant
from rattinsats.models import AuditEvent
from tests.a11y import serious_violations
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

from .test_matching import documents, organisation_number

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_visit_an_order_a_presentation_a_hire_and_the_results(page, live_server, owner):
    ensure_reference_data()
    today = timezone.localdate()
    participant = documents(
        ParticipantFactory(
            responsible=owner,
            first_name="Greta",
            last_name="Hyllström",
            start_date=today - datetime.timedelta(days=150),
        ),
        goal="Arbete på lager",
        licences="B-körkort, truckkort",
        languages="Svenska",
        employer_presentation="Noggrann och van vid truck.",
    )
    # A consent for the home organisations, but not for employers.
    ConsentFactory(participant=participant)
    employer = Employer.objects.create(
        organisation_number=organisation_number(), name="Exempellagret AB", created_by=owner
    )
    employer.contact_people.create(name="Kim Lagersson", role="Lagerchef")

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()

    # 1. A visit at the employer.
    page.goto(f"{live_server.url}/arbetsgivare/{employer.pk}/")
    page.get_by_role("link", name="Registrera kontakt").click()
    page.get_by_label("Besök").check()
    page.get_by_label("Kontaktperson").select_option(label="Kim Lagersson")
    page.get_by_label("Utfall").fill("Behöver två lagerarbetare till våren.")
    page.get_by_role("button", name="Spara kontakten").click()
    page.get_by_text("Kontakten är registrerad.").wait_for()
    visit = EmployerContact.objects.get()
    assert visit.kind == EmployerContact.Kind.VISIT and visit.staff == owner

    # 2. The job order.
    page.get_by_role("link", name="Ny jobborder").click()
    page.get_by_label("Yrke").fill("Lagerarbetare")
    page.get_by_label("SSYK-kod").fill("4321")
    page.get_by_label("Sista ansökningsdag").fill((today + datetime.timedelta(days=14)).isoformat())
    page.get_by_label("Möjligt stöd").select_option(label="Nystartsjobb")
    page.get_by_label("Krav").fill("B-körkort. Truckkort är meriterande.")
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("Jobbordern är registrerad.").wait_for()
    order = JobOrder.objects.get()
    order_url = page.url

    # 3. The app proposes Greta, with its reason; staff confirm, and may
    # present her only once a consent covers it.
    page.get_by_role("button", name="Föreslå deltagare").click()
    page.get_by_text("1 ny deltagare föreslås för ordern.").wait_for()
    matches = page.locator(f"#order-matches-{order.pk}").locator("xpath=..")
    row = matches.get_by_role("row", name=re.compile("Greta Hyllström"))
    row.get_by_text("Målet nämner 'lager'; har B-körkort; har truckkort (meriterande)").wait_for()
    assert serious_violations(page) == []
    row.get_by_role("button", name=re.compile("^Bekräfta")).click()
    page.get_by_text("Förslaget är bekräftat.").wait_for()
    row = page.get_by_role("row", name=re.compile("Greta Hyllström"))
    row.get_by_role("button", name=re.compile("^Presentera")).click()
    page.get_by_text("Deltagaren kan inte presenteras för arbetsgivaren").first.wait_for()
    assert Match.objects.get().presented_at is None
    page.get_by_text("Noggrann och van vid truck.").wait_for()  # how she wants to be presented
    assert serious_violations(page) == []

    page.get_by_role("link", name="Till samtycken").click()
    form = page.locator("form", has=page.get_by_role("button", name="Spara samtycke"))
    form.get_by_label("Ekonomiskt bistånd").check()
    form.get_by_label("Undertecknat").fill(today.isoformat())
    form.get_by_label("Giltigt till").fill((today + datetime.timedelta(days=180)).isoformat())
    form.get_by_label("Samtycket omfattar presentation för arbetsgivare").check()
    form.get_by_label("Blanketten förvaras i pappersakten och laddas inte upp").check()
    form.get_by_role("button", name="Spara samtycke").click()
    page.get_by_text("Samtycket är registrerat.").wait_for()
    covering = Consent.objects.get(covers_employer_presentation=True)

    page.goto(order_url)
    row = page.get_by_role("row", name=re.compile("Greta Hyllström"))
    row.get_by_role("button", name=re.compile("^Presentera")).click()
    page.get_by_text("Presentationen för arbetsgivaren är registrerad.").wait_for()
    match = Match.objects.get()
    assert match.status == Match.Status.PRESENTED and match.consent == covering
    assert AuditEvent.objects.filter(
        action="export", object_type="employers.match", participant_id=participant.pk
    ).exists()

    # 4. The interview, then the hire as a nystartsjobb.
    row = page.get_by_role("row", name=re.compile("Greta Hyllström"))
    row.get_by_role("button", name=re.compile("^Intervju")).click()
    page.get_by_text("Intervjun är registrerad.").wait_for()
    row = page.get_by_role("row", name=re.compile("Greta Hyllström"))
    row.get_by_role("link", name=re.compile("^Anställd")).click()
    page.get_by_role("heading", name="Registrera anställning").wait_for()
    page.get_by_text("med stödet Nystartsjobb").wait_for()
    page.get_by_label("Anställningen börjar").fill(today.isoformat())
    page.get_by_role("button", name="Registrera anställd").click()
    page.get_by_text("Anställningen är registrerad.").wait_for()
    placement = Placement.objects.get(participant=participant)
    assert placement.kind == Placement.Kind.EMPLOYMENT
    assert placement.support_form == "nystartsjobb" and placement.job_order == order

    # The participant's Arbetsgivare tab lists the order and its outcome.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/arbetsgivare/")
    section = page.locator("#participant-matches").locator("xpath=..")
    order_row = section.get_by_role("row", name=re.compile("Lagerarbetare"))
    order_row.get_by_text("Anställd").first.wait_for()

    # 5. The closure because of work, a nystartsjobb.
    page.get_by_role("link", name="Avslut").click()
    page.get_by_role("heading", name="Avsluta deltagandet").wait_for()
    start = page.locator("form", has=page.get_by_role("button", name="Spara status vid start"))
    start.get_by_label("Sysselsättning").select_option(label="Arbetssökande")
    start.get_by_label("Huvudsaklig försörjning").select_option(label="Ekonomiskt bistånd")
    start.get_by_role("button", name="Spara status vid start").click()
    page.get_by_text("Status vid start är sparad.").wait_for()
    page.get_by_label("Avslutsdatum").fill(today.isoformat())
    page.get_by_label("Arbete", exact=True).check()
    page.get_by_label("Resultat (vid arbete eller studier)").select_option(label="Nystartsjobb")
    page.get_by_label("Sysselsättning vid avslut").select_option(label="Arbete med stöd")
    page.get_by_label("Huvudsaklig försörjning vid avslut").select_option(label="Lön")
    page.get_by_role("button", name="Avsluta deltagandet").click()
    page.get_by_text("Deltagandet är avslutat.").wait_for()
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert participant.closure_result == "nystartsjobb"

    # The results count the hire: in the contract, and per employer.
    response = page.goto(f"{live_server.url}/reports/results.json")
    results = json.loads(response.text())
    assert results["self_support"]["total"] == 1
    assert results["self_support"]["by_category"]["nystartsjobb"] == 1
    page.goto(f"{live_server.url}/reports/arbetsgivare/")
    hires = page.locator("table", has=page.get_by_text("Anställningar per stödform", exact=True))
    hires.get_by_role("row", name="Nystartsjobb").get_by_text("1", exact=True).wait_for()
    employer_row = page.get_by_role("row", name=re.compile("Exempellagret AB"))
    assert employer_row.count() == 1
    assert serious_violations(page) == []
