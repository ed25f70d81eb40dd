"""In real Chromium: the counsellor follows a referral they sent, from the
form through the information call to the closure, on "Mina anvisningar", the
receipt and the notifications."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from closure.models import EmploymentStatus, IncomeSource
from closure.services import participant_close
from participants.models import ClosureReason, ClosureResult
from rattinsats.models import Role
from rattinsats.personnummer import format_canonical
from referrals import services
from referrals.models import Referral, week_monday
from tests.conftest import browser_login
from tests.factories import UserFactory, next_personnummer, organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people(reference_data):
    return {
        "counsellor": UserFactory(
            username="vagledaren", role=Role.COUNSELLOR, organisation=organisation("jobbcentrum")
        ),
        "officer": UserFactory(
            username="af-officer",
            role=Role.EMPLOYMENT_OFFICER,
            organisation=organisation("arbetsformedlingen"),
        ),
        "staff": UserFactory(
            username="personalen", first_name="Petra", last_name="Persson", role=Role.STAFF
        ),
    }


def send_referral(page, personnummer: str) -> None:
    page.get_by_role("link", name="Ny anvisning").first.click()
    page.get_by_label("Personnummer").fill(personnummer)
    page.get_by_label("Förnamn").fill("Maja")
    page.get_by_label("Efternamn").fill("Följdsson")
    page.get_by_label("Kvinna").check()
    answers = {
        "needs_deeper_support": "ja",
        "other_af_intervention": "nej",
        "registered_jobseeker": "ja",
        "social_assistance": "ja",
        "jobseeker_category_14": "nej",
        "sick_leave_ending": "nej",
    }
    for name, value in answers.items():
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    signed = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Samtycket undertecknades").fill(signed.isoformat())
    page.get_by_label("JobbCentrum").check()
    page.get_by_label("Ekonomiskt bistånd").check()
    page.get_by_label("Anledning till anvisningen").fill("Har provat flera insatser.")
    page.get_by_role("button", name="Skicka anvisningen").click()


def test_the_counsellor_follows_their_referral_to_the_closure(page, live_server, people):
    number = next_personnummer()
    shown = format_canonical(number)
    today = timezone.localdate()
    started = today - datetime.timedelta(days=10)

    # The counsellor refers.
    browser_login(page, live_server, "vagledaren")
    page.get_by_role("heading", name="Mina anvisningar").wait_for()
    send_referral(page, number)
    expect(page.get_by_text("Anvisningen är mottagen")).to_be_visible()
    referral = Referral.objects.get(personnummer=number)

    # The staff take it through the check, the weekly meeting and a "yes"
    # at the information call.
    services.referral_check(
        actor=people["officer"], referral=referral, has_other_intervention=False, note="Ok"
    )
    services.meeting_allocate(
        actor=people["staff"],
        week_start=week_monday(today),
        assignments={referral.pk: people["staff"]},
    )
    referral = services.referral_information_call(
        actor=people["officer"],
        referral=referral,
        identity_verified=True,
        informed_about_reporting=True,
        wants_to_participate=True,
        start_date=started,
    )

    # Mina anvisningar: whom, with the full personnummer, and each step.
    page.get_by_role("link", name="Mina anvisningar", exact=True).click()
    page.get_by_role("heading", name="Mina anvisningar").wait_for()
    row = page.get_by_role("row").filter(has_text="Följdsson, Maja")
    expect(row.get_by_role("link", name="Följdsson, Maja")).to_be_visible()
    expect(row).to_contain_text(shown)
    expect(row).to_contain_text("Antagen")
    expect(row).to_contain_text(f"Mottagen {today:%Y-%m-%d}")
    expect(row).to_contain_text(f"Fördelad {today:%Y-%m-%d}")
    expect(row).to_contain_text(f"Informationssamtal {today:%Y-%m-%d} – Ja")
    expect(row).to_contain_text(f"Deltagare sedan {started:%Y-%m-%d}")
    expect(row).not_to_contain_text("Avslutad")

    # The participation closes because of work.
    participant_close(
        actor=people["staff"],
        participant=referral.participant,
        closed_on=today,
        reason=ClosureReason.WORK,
        result=ClosureResult.JOB_WITHOUT_SUPPORT,
        note="Ingenting för anvisaren.",
        employment_status=EmploymentStatus.PAID_WORK,
        income_source=IncomeSource.SALARY,
    )
    page.reload()
    row = page.get_by_role("row").filter(has_text="Följdsson, Maja")
    expect(row).to_contain_text(f"Avslutad {today:%Y-%m-%d} – Orsak: Arbete")
    expect(row).to_contain_text(f"Deltagare sedan {started:%Y-%m-%d}")

    # The receipt says whom it is for and shows the same steps.
    row.get_by_role("link", name="Följdsson, Maja").click()
    page.get_by_role("heading", name=f"Anvisning {referral.pk}").wait_for()
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"Maja Följdsson, {shown}")
    expect(main).to_contain_text(f"Avslutad {today:%Y-%m-%d} – Orsak: Arbete")
    assert "Ingenting för anvisaren." not in page.content()
    assert "Jobb utan stöd" not in page.content()

    # The notification names the person it concerns.
    page.get_by_role("link", name="Aviseringar").click()
    page.get_by_role("heading", name="Aviseringar").wait_for()
    expect(
        page.get_by_role(
            "link",
            name=f"Maja Följdsson ({shown}), som du har anvisat, har avslutats i Rätt insats.",
        )
    ).to_be_visible()
    expect(
        page.get_by_role(
            "link", name=f"Maja Följdsson ({shown}) är antagen och är nu deltagare i Rätt insats."
        )
    ).to_be_visible()
