"""The main menu per role. An entry whose page is not installed is left out,
so each app adds its pages by name without touching the base template."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CASEWORK = (Role.STAFF, Role.EMPLOYMENT_OFFICER)


@dataclass(frozen=True)
class NavEntry:
    label: "StrOrPromise"
    url_name: str
    roles: tuple
    # URL prefixes that mark the entry as the current page.
    section: str = ""


MENU = [
    NavEntry(_("Att göra"), "casework:tasks", CASEWORK),
    NavEntry(_("Deltagare"), "participants:list", CASEWORK, "/deltagare/"),
    NavEntry(_("Inkomna anvisningar"), "referrals:inbox", (Role.EMPLOYMENT_OFFICER,)),
    NavEntry(_("Veckomöte"), "referrals:meeting_current", CASEWORK, "/veckomote/"),
    NavEntry(_("Måldokument"), "mapping:overview", CASEWORK, "/maldokument/"),
    NavEntry(_("Flaggor"), "casework:flags", CASEWORK, "/flaggor/"),
    # Employers and their job orders (a tab within the section).
    NavEntry(_("Arbetsgivare"), "employers:list", CASEWORK, "/arbetsgivare/"),
    NavEntry(_("Månadsavstämning"), "reports:monthly", CASEWORK, "/reports/manad/"),
    NavEntry(_("Mina anvisningar"), "referrals:mine", (Role.COUNSELLOR,)),
    NavEntry(_("Ny anvisning"), "referrals:new", (Role.COUNSELLOR,)),
    NavEntry(
        _("Resultat"),
        "reports:dashboard",
        (Role.STAFF, Role.EMPLOYMENT_OFFICER, Role.STEERING, Role.ADMIN),
        "/reports/",
    ),
    NavEntry(_("Logguppföljning"), "operations:access_review", (Role.ADMIN,), "/logguppfoljning/"),
    NavEntry(_("Tvåfaktor"), "staff_two_factor", (Role.ADMIN,), "/konton/tvafaktor/"),
    NavEntry(_("Administration"), "admin:index", (Role.ADMIN,), "/admin/"),
]


def menu_for(user, current_path: str = ""):
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    items: list[dict[str, Any]] = []
    for entry in MENU:
        if role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": entry.label, "url": url, "section": entry.section})
    # The page itself, or else the entry with the longest matching section,
    # is current: /deltagare/flaggor/ is "Flaggor", not also "Deltagare".
    exact = [item for item in items if item["url"] == current_path]
    sections = [i for i in items if i["section"] and current_path.startswith(i["section"])]
    current: dict[str, Any] | None
    if exact:
        current = exact[0]
    else:
        current = max(sections, key=lambda i: len(i["section"]), default=None)
    for item in items:
        item["current"] = item is current
    return items


START_PAGES = {
    Role.STAFF: "casework:tasks",
    Role.EMPLOYMENT_OFFICER: "casework:tasks",
    Role.COUNSELLOR: "referrals:mine",
    Role.STEERING: "reports:dashboard",
    Role.ADMIN: "admin:index",
}


def start_url_for(user) -> str | None:
    role = Role.ADMIN if user.is_superuser else user.role
    name = START_PAGES.get(role)
    if not name:
        return None
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
