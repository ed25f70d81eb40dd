"""The weekly meeting's page: each staff member's figures now and after the
proposal, links only to referrals the user may open, and the earlier
meetings without the current week."""

import datetime
import re
from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from participants.models import Gender
from referrals import allocation, selectors
from referrals.models import Referral, WeeklyMeeting, week_monday
from tests.conftest import client_for
from tests.factories import ParticipantFactory, ReferralFactory


class Tables(HTMLParser):
    """Each table of a page: its caption, and its rows as (tag, attributes,
    text) per cell."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list | None = None
        self._caption: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self._cell = [tag, dict(attrs), ""]
            self.tables[-1]["rows"][-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("th", "td"):
            if self._cell is not None:
                self._cell[2] = " ".join(self._cell[2].split())
            self._cell = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell[2] += data


def main_of(response) -> str:
    return response.content.decode().split('<main id="main"')[1].split("</main>")[0]


def staff_table(html: str) -> dict:
    return next(t for t in Tables(html).tables if t["caption"].startswith("Ärenden per"))


def figures(table: dict, name: str) -> dict[str, list[str]]:
    """A staff member's rows by their label (Nu, Efter förslaget): the
    cells after the label (cases, per full post, women, men, other, the age
    groups)."""
    result: dict[str, list[str]] = {}
    current = None
    for row in table["rows"][1:]:
        if row[0][1].get("scope") == "rowgroup":
            current = row[0][2]
            row = row[2:]
        if current == name:
            label = row[0]
            assert label[0] == "th" and label[1] == {"scope": "row"}
            result[label[2]] = [cell[2] for cell in row[1:]]
    return result


def referral_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/anvisningar/(\d+)/"', html)}


# --- Figures now and after the proposal ------------------------------------------


def test_it_shows_each_staff_members_figures_now_and_after_the_proposal(owner, teammate):
    owner.capacity = 50
    owner.save()
    men = [ParticipantFactory(responsible=owner, gender=Gender.MAN) for _ in range(2)]
    referral = ReferralFactory(status=Referral.Status.READY, gender=Gender.WOMAN)
    today = timezone.localdate()
    groups = [label for _upper, label in allocation.AGE_GROUPS]

    html = main_of(client_for(owner).get(reverse("referrals:meeting_current")))
    table = staff_table(html)

    assert "nu och efter den föreslagna fördelningen" in table["caption"]
    header = table["rows"][0]
    assert all(cell[0] == "th" and cell[1] == {"scope": "col"} for cell in header)
    assert [cell[2] for cell in header][:8] == [
        "Medarbetare",
        "Kapacitet",
        "Läge",
        "Ärenden",
        "Per heltid",
        "Kvinnor",
        "Män",
        "Annat kön",
    ]
    assert [cell[2] for cell in header][8:] == [f"{g} år" for g in groups]

    # Olga works half time: two cases are four per full post. The referral
    # goes to Tim, who has none.
    olga = figures(table, str(owner))
    assert olga["Nu"][:5] == ["2", "4,0", "0", "2", "0"]
    assert olga["Efter förslaget"] == olga["Nu"]
    held = selectors.staff_loads([owner], today)[0].age_groups
    assert sum(held.values()) == len(men)
    assert olga["Nu"][5:] == [str(held.get(g, 0)) for g in groups]

    tim = figures(table, str(teammate))
    assert tim["Nu"] == ["0", "0,0", "0", "0", "0"] + ["0"] * len(groups)
    after = ["0"] * len(groups)
    after[groups.index(allocation.age_group(selectors.age_of(referral, today)))] = "1"
    assert tim["Efter förslaget"] == ["1", "1,0", "1", "0", "0", *after]


def test_without_referrals_to_allocate_it_shows_the_figures_now_only(owner, teammate):
    ParticipantFactory(responsible=owner)
    html = main_of(client_for(owner).get(reverse("referrals:meeting_current")))
    table = staff_table(html)
    assert table["caption"].startswith("Ärenden per medarbetare nu.")
    assert set(figures(table, str(owner))) == {"Nu"}
    assert figures(table, str(owner))["Nu"][:5] == ["1", "1,0", "1", "0", "0"]


# --- Links only where the user may open the referral ------------------------------


def test_project_staff_get_links_only_to_referrals_they_may_open(owner):
    shared, other = (ReferralFactory(status=Referral.Status.READY) for _ in range(2))
    assign_perm(selectors.VIEW_PERMISSION, owner, shared)
    client = client_for(owner)
    html = main_of(client.get(reverse("referrals:meeting_current")))
    assert referral_links(html) == {shared.pk}
    # The other is named, as plain text, with its choice of responsible.
    assert f'<th scope="row">{other.last_name}, {other.first_name}</th>' in html
    assert f'name="referral_{other.pk}"' in html
    for pk in referral_links(html):
        assert client.get(reverse("referrals:detail", args=[pk])).status_code == 200
    assert client.get(reverse("referrals:detail", args=[other.pk])).status_code == 404


def test_the_employment_officer_gets_a_link_to_each_referral(officer):
    ready = [ReferralFactory(status=Referral.Status.READY) for _ in range(2)]
    client = client_for(officer)
    html = main_of(client.get(reverse("referrals:meeting_current")))
    assert referral_links(html) == {r.pk for r in ready}
    for pk in referral_links(html):
        assert client.get(reverse("referrals:detail", args=[pk])).status_code == 200


# --- Earlier meetings ---------------------------------------------------------------


def earlier_part(html: str) -> str:
    return html.split("Tidigare möten", 1)[1] if "Tidigare möten" in html else ""


def meeting_url(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return reverse("referrals:meeting", args=[year, week])


def test_earlier_meetings_leave_out_the_current_week(owner):
    this_week = week_monday(timezone.localdate())
    two_weeks_ago = this_week - datetime.timedelta(days=14)
    WeeklyMeeting.objects.create(week_start=this_week, employer_notes="Denna vecka")
    WeeklyMeeting.objects.create(week_start=two_weeks_ago, employer_notes="Förra")
    client = client_for(owner)
    for url in (reverse("referrals:meeting_current"), meeting_url(two_weeks_ago)):
        earlier = earlier_part(main_of(client.get(url)))
        assert meeting_url(two_weeks_ago) in earlier
        assert meeting_url(this_week) not in earlier


def test_earlier_meetings_are_not_shown_when_only_this_weeks_is_stored(owner):
    WeeklyMeeting.objects.create(week_start=week_monday(timezone.localdate()))
    html = main_of(client_for(owner).get(reverse("referrals:meeting_current")))
    assert "Tidigare möten" not in html
