"""In real Chromium: staff close a participation because of work, find its
three closure flags in Att göra, mark one sent via Viva, undo the closure,
and find the two unsent flags withdrawn (in the history, not in Att göra)
and a flag saying the closure was undone for the one that was sent."""

import datetime

import pytest
from django.utils import timezone

from casework.models import Flag
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

EB = "Eskilstuna kommun – Ekonomiskt bistånd"
# The list under Att göra's heading "Flaggor att skicka".
TO_SEND = "h2:has-text('Flaggor att skicka') + ul"


def flags_to_send(page):
    """The items under Att göra's "Flaggor att skicka"."""
    heading = page.get_by_role("heading", name="Flaggor att skicka")
    heading.wait_for()
    items = page.locator(f"{TO_SEND} > li")
    return [" ".join(text.split()) for text in items.all_inner_texts()]


def test_it_withdraws_the_unsent_closure_flags_when_the_closure_is_undone(page, live_server, owner):
    ensure_reference_data()
    today = timezone.localdate()
    participant = ParticipantFactory(
        responsible=owner,
        first_name="Britt",
        last_name="Flaggström",
        start_date=today - datetime.timedelta(days=120),
    )
    ConsentFactory(participant=participant)

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    assert flags_to_send(page) == []

    # Close the participation because of work.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/avslut/")
    page.get_by_role("heading", name="Avsluta deltagandet").wait_for()
    page.get_by_label("Avslutsdatum").fill((today - datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Arbete", exact=True).check()
    page.get_by_label("Resultat (vid arbete eller studier)").select_option(label="Extratjänst")
    page.get_by_label("Sysselsättning vid avslut").select_option(label="Arbete med stöd")
    page.get_by_label("Huvudsaklig försörjning vid avslut").select_option(label="Lön")
    page.get_by_role("button", name="Avsluta deltagandet").click()
    page.get_by_text("Deltagandet är avslutat.").wait_for()

    # The three closure flags are in Att göra, though the participation is closed.
    page.goto(f"{live_server.url}/deltagare/att-gora/")
    assert sorted(flags_to_send(page)) == [
        "Britt Flaggström: Avslut → Arbetsförmedlingen Eskilstuna",
        "Britt Flaggström: Avslut → Eskilstuna kommun – Ekonomiskt bistånd",
        "Britt Flaggström: Avslut → Eskilstuna kommun – JobbCentrum",
    ]

    # Mark the one to Ekonomiskt bistånd sent via Viva, from the flags tab.
    page.locator(TO_SEND).get_by_role("link", name="Britt Flaggström").first.click()
    page.get_by_role("heading", name="Flaggor", exact=True).wait_for()
    row = page.get_by_role("row").filter(has_text=EB)
    row.get_by_label("Skickad via").select_option(label="Viva")
    row.get_by_role("button", name="Markera som skickad").click()
    page.get_by_text("Flaggan har nu status ”Skickad”.").wait_for()
    sent = Flag.objects.get(participant=participant, organisation__kind="ekonomiskt_bistand")
    assert (sent.status, sent.sent_via, sent.sent_by) == (Flag.Status.SENT, "viva", owner)
    assert f"av {owner} via Viva" in page.get_by_role("row").filter(has_text=EB).inner_text()

    # Undo the closure.
    tabs = page.get_by_role("navigation", name="Deltagarens flikar")
    tabs.get_by_role("link", name="Avslut", exact=True).click()
    page.get_by_text("Ångra avslutet (registrerat av misstag)").click()
    page.get_by_label("Varför ångras avslutet?").fill("Fel deltagare avslutades")
    page.get_by_role("button", name="Ångra avslutet", exact=True).click()
    page.get_by_text("Avslutet är ångrat. Deltagandet är aktivt igen.").wait_for()

    # The unsent ones are withdrawn, kept in the history with the reason;
    # the sent one is followed by a flag saying the closure was undone.
    tabs = page.get_by_role("navigation", name="Deltagarens flikar")
    tabs.get_by_role("link", name="Flaggor", exact=True).click()
    table = page.get_by_role("table", name="Deltagarens flaggor")
    table.wait_for()
    withdrawn = table.get_by_role("row").filter(has_text="Återkallad")
    assert withdrawn.count() == 2
    for text in withdrawn.all_inner_texts():
        assert "avslutsflaggan ska inte skickas" in text
        assert "Markera som skickad" not in text
    undone = table.get_by_role("row").filter(has_text="Avslut ångrat")
    assert undone.count() == 1
    assert EB in undone.inner_text() and "Att skicka" in undone.inner_text()
    assert "Deltagandet fortsätter." in undone.inner_text()

    # Att göra asks only for the flag saying the closure was undone.
    page.goto(f"{live_server.url}/deltagare/att-gora/")
    assert flags_to_send(page) == [f"Britt Flaggström: Avslut ångrat → {EB}"]
