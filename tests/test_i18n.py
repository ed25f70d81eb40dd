"""English beside Swedish: the catalogue is complete and compiled, the
footer's language switch changes the pages' language, and Swedish stays the
default."""

import ast
import gettext
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from .conftest import browser_login, client_for

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
# What is not translated source: environments, data, generated files, the
# catalogue itself.
NOT_SOURCES = (
    ".*",
    "var",
    "staticfiles",
    "static",
    "node_modules",
    "loadtest",
    "locale",
    "*.egg-info",
    "db.sqlite3*",
    "__pycache__",
)
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# What must survive translation unchanged: %-style and brace placeholders,
# HTML tags and entities.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]|\{\w*\}|<[^>]+>|&\w+;")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self):
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file, header first; obsolete entries left out."""
    entries, entry, target = [], Entry(), None
    keyword = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$")

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#~"):
            finish()
        elif line.startswith("#,"):
            if target is not None:
                finish()
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            if target is not None:
                finish()
        elif match := keyword.match(line):
            name, index, text = match.groups()
            text = ast.literal_eval(text)
            if name == "msgstr":
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = text
            else:
                target = (name, None)
                setattr(entry, name, text)
        else:
            text = ast.literal_eval(line.strip())
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = read_po(PO)
    assert entries[0].msgid == "", "the catalogue starts with its header"
    return entries


@pytest.fixture(autouse=True)
def _restore_language():
    language = translation.get_language()
    yield
    translation.activate(language)


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def _h1(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


# --- The catalogue ------------------------------------------------------------


def test_catalogue_is_large_and_in_english(catalogue):
    header = catalogue[0].msgstr[0]
    assert "Language: en\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert len(catalogue) > 900


def test_every_entry_is_translated(catalogue):
    untranslated = [
        e.msgid
        for e in catalogue[1:]
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert untranslated == []
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []
    plural = [e for e in catalogue[1:] if e.msgid_plural is not None]
    assert plural, "the catalogue has plural entries"
    assert all(sorted(e.msgstr) == [0, 1] for e in plural)


def test_translations_keep_placeholders_markup_and_spacing(catalogue):
    wrong = []
    for e in catalogue[1:]:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for source, text in zip(sources, [e.msgstr[i] for i in sorted(e.msgstr)], strict=True):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append((source, text))
            elif source[:1].isspace() != text[:1].isspace():
                wrong.append((source, text))
            elif source[-1:].isspace() != text[-1:].isspace():
                wrong.append((source, text))
            elif source.count("\n") != text.count("\n"):
                wrong.append((source, text))
    assert wrong == []


def test_proper_nouns_stay(catalogue):
    for e in catalogue[1:]:
        for name in ("Rätt insats", "JobbCentrum"):
            if name in e.msgid:
                assert all(name in text for text in e.msgstr.values()), e.msgid


def test_yes_no_choices_keep_their_shape(catalogue):
    """Strings for the yesno filter keep one value per comma."""
    by_id = {e.msgid: e.msgstr[0] for e in catalogue[1:]}
    assert by_id["Ja,Nej"] == "Yes,No"
    assert by_id["Ja,Nej,–"] == "Yes,No,–"


def test_every_marked_string_is_in_the_catalogue(catalogue, tmp_path, settings, monkeypatch):
    """A string marked for translation since the catalogue was made would
    stay Swedish in English: extract the strings afresh, from a copy of the
    sources (makemessages writes into the locale folder it finds), and
    compare."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is needed in CI")
        pytest.skip("GNU gettext (xgettext) is not installed")
    sources = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        sources,
        ignore=shutil.ignore_patterns(*NOT_SOURCES),
    )
    monkeypatch.chdir(sources)
    settings.LOCALE_PATHS = [sources / "locale"]
    call_command("makemessages", locale=["en"], verbosity=0)
    fresh = {e.key for e in read_po(sources / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]}
    missing = sorted(fresh - {e.key for e in catalogue})
    assert not missing, (
        "not in locale/en/LC_MESSAGES/django.po (run makemessages -l en, translate, "
        f"compile with msgfmt): {missing}"
    )


def test_compiled_catalogue_matches_the_po_file(catalogue):
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    # Plural entries are keyed (singular msgid, index) in the .mo file.
    mo_ids = {key if isinstance(key, str) else key[0] for key in compiled._catalog}
    assert mo_ids - {""} == {e.key for e in catalogue[1:]}
    for e in catalogue[1:]:
        if e.msgctxt is not None:
            assert compiled.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], e.key
        elif e.msgid_plural is None:
            assert compiled.gettext(e.msgid) == e.msgstr[0], e.msgid
        else:
            assert compiled.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0]
            assert compiled.ngettext(e.msgid, e.msgid_plural, 2) == e.msgstr[1]
    assert compiled.gettext("Deltagare") == "Participants"
    assert compiled.gettext("Byt språk") == "Change language"


def test_django_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("Logga in") == "Log in"
        assert translation.gettext("Inkomna anvisningar") == "Incoming referrals"
        assert translation.ngettext("%(n)s deltagare", "%(n)s deltagare", 1) == "%(n)s participant"
    with translation.override("sv"):
        assert translation.gettext("Logga in") == "Logga in"


# --- The language switch ------------------------------------------------------


def test_footer_has_a_labelled_language_switch(owner):
    client = client_for(owner)
    path = reverse("participants:list") + "?page=1"
    html = client.get(path).content.decode()
    footer = re.search(r"<footer\b.*?</footer>", html, re.S).group(0)
    assert f'action="{reverse("set_language")}"' in footer
    assert 'method="post"' in footer
    assert 'name="csrfmiddlewaretoken"' in footer
    assert '<input type="hidden" name="next" value="/deltagare/?page=1">' in footer
    assert re.search(r'<label for="footer-language"[^>]*>Språk</label>', footer)
    assert re.search(r'<select id="footer-language" name="language"', footer)
    assert re.search(r'<option value="sv" lang="sv" selected>Svenska</option>', footer)
    assert re.search(r'<option value="en" lang="en">English</option>', footer)
    assert re.search(r'<button type="submit"[^>]*>Byt språk</button>', footer)
    assert "style=" not in footer
    assert "<script" not in footer and "onchange" not in footer


def test_switching_to_english_and_back(owner):
    client = client_for(owner)
    participants = reverse("participants:list")

    response = client.post(
        reverse("set_language"), {"language": "en", "next": participants}, follow=True
    )
    assert response.redirect_chain[-1][0] == participants
    assert _html_lang(response) == "en"
    assert _h1(response) == "Participants"
    assert "Log out" in response.content.decode()
    assert re.search(r'<option value="en" lang="en" selected>English</option>', response.text)
    # The choice holds on the next page too.
    tasks = client.get(reverse("casework:tasks"))
    assert _html_lang(tasks) == "en"
    assert _h1(tasks) == "To do"

    response = client.post(
        reverse("set_language"), {"language": "sv", "next": participants}, follow=True
    )
    assert _html_lang(response) == "sv"
    assert _h1(response) == "Deltagare"
    assert "Logga ut" in response.content.decode()


def test_unknown_language_is_ignored(owner):
    client = client_for(owner)
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert _html_lang(client.get(reverse("participants:list"))) == "sv"


def test_error_pages_follow_the_chosen_language(owner, settings):
    settings.ROOT_URLCONF = "tests.urls_failing"
    client = client_for(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    missing = client.get("/deltagare/999999999/")
    assert missing.status_code == 404
    assert _html_lang(missing) == "en" and _h1(missing) == "Page not found"
    client.raise_request_exception = False
    failed = client.get("/test-fel/")
    assert failed.status_code == 500
    assert _html_lang(failed) == "en" and _h1(failed) == "Technical error"
    assert "Nothing you sent has been half saved" in failed.content.decode()


# --- The login page -----------------------------------------------------------


def test_login_page_in_english_from_the_chosen_language(client):
    # The language switch's cookie, not the browser's Accept-Language
    # (tests/core/test_language.py): the app is Swedish first.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("login"), headers={"accept-language": "sv"})
    assert response.status_code == 200
    assert _html_lang(response) == "en"
    assert _h1(response) == "Log in"
    html = response.content.decode()
    assert "Case management for Rätt insats" in html
    assert "Username" in html and "Password" in html


@pytest.mark.django_db
def test_the_language_can_be_chosen_on_the_login_page(client):
    login = reverse("login")
    footer = re.search(r"<footer\b.*?</footer>", client.get(login).content.decode(), re.S)
    assert f'action="{reverse("set_language")}"' in footer.group(0)
    response = client.post(reverse("set_language"), {"language": "en", "next": login}, follow=True)
    assert response.redirect_chain[-1][0] == login
    assert _html_lang(response) == "en" and _h1(response) == "Log in"
    # Nothing else opens without logging in.
    assert client.get(reverse("participants:list")).status_code == 302


@pytest.mark.django_db
def test_language_chosen_before_logging_out_stays_on_the_login_page(owner):
    client = client_for(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("logout"))
    response = client.get(reverse("login"))
    assert _html_lang(response) == "en"
    assert _h1(response) == "Log in"


# --- Swedish by default -------------------------------------------------------


def test_swedish_is_the_default(client, owner):
    assert settings.LANGUAGE_CODE == "sv"
    response = client.get(reverse("login"))
    assert _html_lang(response) == "sv"
    assert _h1(response) == "Logga in"
    assert "Användarnamn" in response.content.decode()
    # A browser asking for a language the app does not offer gets Swedish.
    response = client.get(reverse("login"), headers={"accept-language": "de-DE,de;q=0.9"})
    assert _html_lang(response) == "sv"
    page = client_for(owner).get(reverse("participants:list"))
    assert _html_lang(page) == "sv"
    assert _h1(page) == "Deltagare"


# --- With the keyboard alone, in Chromium -------------------------------------

FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id,
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || "").trim(),
    indicated: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
  };
}"""


def _tab_to(page, wanted, limit=150):
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS)
        if wanted(focused):
            return focused
    raise AssertionError("not reached with Tab")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_language_switch_with_the_keyboard(page, live_server, owner):
    browser_login(page, live_server, "owner")
    page.goto(f"{live_server.url}{reverse('participants:list')}")
    assert page.locator("html").get_attribute("lang") == "sv"

    for key, language, heading, button in (
        ("ArrowDown", "en", "Participants", "Change language"),
        ("ArrowUp", "sv", "Deltagare", "Byt språk"),
    ):
        select = _tab_to(page, lambda f: f["id"] == "footer-language")
        assert select["indicated"], "the select shows where the focus is"
        page.keyboard.press(key)
        submit = _tab_to(page, lambda f: f["tag"] == "button", limit=1)
        assert submit["indicated"], "the button shows where the focus is"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(reverse("participants:list"))
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == heading
        assert page.get_by_role("button", name=button).is_visible()
