"""In real Chromium: a referring counsellor completes and sends the referral
form with the keyboard alone — Tab to move, typing into fields, Space for
check boxes and the first answer of a radio group, the arrow keys within a
radio group (the standard keyboard model for radio buttons), Enter to send.
No mouse click, no filling fields from script."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rattinsats.models import Role
from referrals.models import Referral
from tests.conftest import browser_login
from tests.factories import UserFactory, next_personnummer, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAB_STOPS = 200

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    type: (el.type || "").toLowerCase(),
    name: el.name || "",
    value: el.value || "",
    checked: !!el.checked,
    text: (el.innerText || "").trim(),
    label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : "",
    // A visible focus indicator: an outline or Bootstrap's focus ring.
    indicated: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
  };
}"""


def date_field_keys(page, day):
    """The keys that type ``day`` into Chromium's date field. The order of
    its year, month and day parts follows the browser's language, so it is
    found on a scratch page of the same browser first. Month and day move on
    by themselves after two digits; the year (up to six digits) needs Tab."""
    y, m, d = day.strftime("%Y"), day.strftime("%m"), day.strftime("%d")
    candidates = [[m, d, y], [d, m, y], [y, "Tab", m, d]]
    scratch = page.context.new_page()
    try:
        for keys in candidates:
            scratch.set_content('<a href="#top">x</a><input type="date" id="d">')
            scratch.keyboard.press("Tab")
            scratch.keyboard.press("Tab")
            for key in keys:
                scratch.keyboard.press(key) if key == "Tab" else scratch.keyboard.type(key)
            if scratch.evaluate("document.getElementById('d').value") == day.isoformat():
                return keys
    finally:
        scratch.close()
    pytest.fail("cannot type a date into Chromium's date field")


@pytest.fixture
def counsellor(reference_data):
    return UserFactory(
        username="vagledaren", role=Role.COUNSELLOR, organisation=organisation("jobbcentrum")
    )


def test_it_completes_and_sends_a_referral_with_the_keyboard_alone(page, live_server, counsellor):
    number = next_personnummer()
    signed = timezone.localdate() - datetime.timedelta(days=1)
    texts = {
        "personnummer": number,
        "first_name": "Maja",
        "last_name": "Tangentbordsson",
        "reason": "Har provat flera insatser.",
    }
    radios = {
        "gender": "kvinna",
        "needs_deeper_support": "ja",
        "other_af_intervention": "nej",
        "registered_jobseeker": "ja",
        "social_assistance": "ja",
        "jobseeker_category_14": "nej",
        "sick_leave_ending": "nej",
    }
    date_keys = date_field_keys(page, signed)
    browser_login(page, live_server, "vagledaren")
    page.get_by_role("heading", name="Mina anvisningar").wait_for()

    # From the menu to the form: Tab to the link "Ny anvisning", Enter.
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["tag"] == "a" and focused["text"] == "Ny anvisning":
            break
    else:
        pytest.fail("the link Ny anvisning cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ny anvisning till Rätt insats").wait_for()

    done, organisations, unindicated = set(), set(), []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if not focused["indicated"]:
            # Bootstrap fades its focus ring in: look again for up to 2 s
            # (a busy machine may start the transition late).
            for _ in range(10):
                page.wait_for_timeout(200)
                if page.evaluate(FOCUSED)["indicated"]:
                    break
            else:
                unindicated.append(focused["name"] or focused["text"])
        name, kind = focused["name"], focused["type"]
        if name in texts and name not in done:
            page.keyboard.type(texts[name])
            done.add(name)
        elif name == "consent_signed_on" and name not in done:
            for keys in date_keys:
                if keys == "Tab":
                    page.keyboard.press("Tab")
                else:
                    page.keyboard.type(keys)
            done.add(name)
        elif kind == "radio" and name in radios and name not in done:
            if focused["value"] == radios[name]:
                page.keyboard.press("Space")
            else:
                for _step in range(5):
                    page.keyboard.press("ArrowDown")
                    if page.evaluate(FOCUSED)["value"] == radios[name]:
                        break
            done.add(name)
        elif kind == "checkbox" and name == "consent_organisations":
            if not focused["checked"]:
                page.keyboard.press("Space")
            organisations.add(focused["value"])
        elif focused["tag"] == "button" and focused["text"] == "Skicka anvisningen":
            break
    else:
        pytest.fail("the send button cannot be reached with Tab")

    assert done == {*texts, *radios, "consent_signed_on"}, done
    assert len(organisations) == 3
    values = page.evaluate(
        """() => Object.fromEntries([...new FormData(document.getElementById('referral-form'))]
             .filter(([k, v]) => typeof v === 'string'))"""
    )
    assert values["consent_signed_on"] == signed.isoformat(), values
    for name, value in radios.items():
        assert values[name] == value, (name, values)
    assert unindicated == [], f"no visible focus on: {unindicated}"

    page.keyboard.press("Enter")
    expect(page.get_by_text("Anvisningen är mottagen")).to_be_visible()
    referral = Referral.objects.get(personnummer=number)
    assert referral.last_name == "Tangentbordsson"
    assert referral.referred_by == counsellor
    assert referral.consent_signed_on == signed
    assert referral.consent_organisations.count() == 3
    assert referral.status == Referral.Status.RECEIVED
