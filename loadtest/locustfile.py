"""Mixed project-staff traffic for locust (see ``loadtest/run.sh`` and
``loadtest/cluster.py``).

``Staff``: each simulated user logs in with one of the demo staff accounts
(two-factor login switched off for the run), then works the way project
staff do: Att göra, the participant list and a search, a participant's page
and its tabs, the goal-document overview, the results, the weekly meeting,
and now and then a journal note; the employment officer also the referral
inbox.

``Counsellor`` (only when named on the command line; ``LOADTEST_COUNSELLORS``
of them, default 1): a referring counsellor who sends referrals with a
signed consent form (a small PDF upload) and downloads the form again. Each
referral queues a notification e-mail job per employment officer.

With ``LOADTEST_SERVERS`` (comma-separated base URLs, loopback only) every
user sends its requests to each server in turn with one session and one
cookie jar, as behind a load balancer without sticky sessions: the login on
one server, the next page on the other. Every answer must be 200 with the
page's own content: a login page or an error page counts as a failure.

Every user pauses between pages as a person does, reading the page or
typing: ``LOADTEST_THINK`` seconds ("MIN,MAX", default 2 to 8), also
between the tabs of a participant's page and between a form and its post.
``LOADTEST_THINK=0.5,2`` is a stress test rather than people at work.

``LOADTEST_PAGE_TIMES`` names a JSON file for the pages' times after the
login (requests sent once every user has started, the ramp-up left out),
overall and per page, the requests per server and the referrals sent.

Only ever run against servers on the loopback interface:

    locust -f loadtest/locustfile.py --headless --users 50 --spawn-rate 10 \\
        --run-time 60s --host http://127.0.0.1:8338 Staff
"""

from __future__ import annotations

import collections
import datetime
import itertools
import json
import os
import random
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "RattInsats-demo-2026")
ACCOUNTS = itertools.cycle(
    os.environ.get("LOADTEST_USERS", "personal,personal2,arbetsformedlare").split(",")
)
PARTICIPANT_TABS = [
    "",  # Översikt
    "kartlaggning/",
    "mal/",
    "insatser/",
    "journal/",
    "flaggor/",
    "samtycke/",
    "avslut/",
]
SEARCH_TERMS = ["a", "son", "Maja", "19", "zz-ingen-träff"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PARTICIPANT_LINK = re.compile(r'href="/deltagare/(\d+)/"')
LOGIN_PATH = "/konto/logga-in/"
# The app servers to take turns with (empty: --host alone).
SERVERS = [url.rstrip("/") for url in os.environ.get("LOADTEST_SERVERS", "").split(",") if url]
LOOPBACK = ("127.0.0.1", "::1", "localhost")
COUNSELLOR_ACCOUNTS = itertools.cycle(
    os.environ.get("LOADTEST_COUNSELLOR_USERS", "vagledare,af-handlaggare").split(",")
)
HIDDEN_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
ORGANISATION = re.compile(r'name="consent_organisations" value="(\d+)"')
RECEIPT = re.compile(r"/anvisningar/(\d+)/kvitto/$")
_SERVER_TURN = itertools.count()


def today() -> datetime.date:
    """The app's date (Europe/Stockholm), for the forms' dates."""
    return datetime.datetime.now(ZoneInfo("Europe/Stockholm")).date()


@events.init.add_listener
def _loopback_only(environment, **_kwargs):
    for url in [environment.host or "", *SERVERS]:
        host = urlsplit(url).hostname
        if host not in LOOPBACK:
            raise SystemExit(f"refusing to load-test {host!r}: loopback only")


def _think() -> tuple[float, float]:
    low, _, high = os.environ.get("LOADTEST_THINK", "2,8").partition(",")
    return float(low), float(high or low)


THINK = _think()

# Response times of the pages after login, once every user has started
# (the ramp-up, with its deliberately slow password hashing of every
# login, left out), overall and per page.
PAGE_TIMES: list[float] = []
PAGE_TIMES_BY_NAME: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
MEASURING = {"on": False}
# Requests answered by each server (by its address), and referrals sent.
PER_SERVER: collections.Counter[str] = collections.Counter()
REFERRALS_SENT: list[int] = []


@events.spawning_complete.add_listener
def _all_started(user_count, **_kwargs):
    MEASURING["on"] = True


@events.request.add_listener
def _record(name, response_time, exception, url=None, **_kwargs):
    if url:
        parts = urlsplit(url)
        PER_SERVER[f"{parts.hostname}:{parts.port}"] += 1
    if exception is None and not name.startswith("login") and MEASURING["on"]:
        PAGE_TIMES.append(response_time)
        PAGE_TIMES_BY_NAME[name].append(response_time)


@events.quitting.add_listener
def _write_page_times(environment, **_kwargs):
    target = os.environ.get("LOADTEST_PAGE_TIMES")
    if not target:
        return

    def percentile(times, p):
        return times[min(len(times) - 1, int(p * len(times)))] if times else None

    times = sorted(PAGE_TIMES)
    by_name = {
        name: {
            "requests": len(values),
            "median_ms": percentile(sorted(values), 0.50),
            "p95_ms": percentile(sorted(values), 0.95),
        }
        for name, values in sorted(PAGE_TIMES_BY_NAME.items())
    }
    with open(target, "w", encoding="utf-8") as out:
        json.dump(
            {
                "think_s": list(THINK),
                "requests": len(times),
                "median_ms": percentile(times, 0.50),
                "p95_ms": percentile(times, 0.95),
                "p99_ms": percentile(times, 0.99),
                "pages": by_name,
                "servers": dict(PER_SERVER),
                "referrals_sent": len(REFERRALS_SENT),
            },
            out,
        )


class Turns(HttpUser):
    """Each request goes to the next server in turn (one session and one
    cookie jar for all), or to --host alone without LOADTEST_SERVERS."""

    abstract = True

    def on_start(self):
        servers = SERVERS or [""]
        # Users start on different servers, so that the first logins spread.
        start = next(_SERVER_TURN) % len(servers)
        self._servers = itertools.cycle(servers[start:] + servers[:start])

    def url(self, path):
        return next(self._servers) + path

    def referer(self, url):
        return url if url.startswith("http") else self.host + url

    def login(self, username):
        """Log in (the form from one server, the post to the next); True when
        signed in."""
        page = self.client.get(self.url(LOGIN_PATH), name="login (form)")
        token = CSRF.search(page.text)
        post_url = self.url(LOGIN_PATH)
        with self.client.post(
            post_url,
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "",
            },
            headers={"Referer": self.referer(post_url)},
            name="login (post)",
            catch_response=True,
        ) as response:
            if response.url is None or urlsplit(response.url).path == LOGIN_PATH:
                response.failure(f"login failed for {username}")
                return False
            response.success()
        return True

    def _get(self, path, name, expect):
        """GET a page and check that it is the page asked for, not a login
        page or an error page."""
        with self.client.get(self.url(path), name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {name}")
            elif urlsplit(response.url).path == LOGIN_PATH:
                response.failure(f"sent to the login page from {name}")
            elif expect not in response.text:
                response.failure(f"{name}: {expect!r} missing")
            else:
                response.success()
            return response


class Staff(Turns):
    wait_time = between(*THINK)

    def on_start(self):
        super().on_start()
        self.username = next(ACCOUNTS)
        self.participants: list[str] = []
        self.csrf = ""
        if self.login(self.username):
            self._load_participants()

    def _load_participants(self):
        response = self._get("/deltagare/", "deltagare", "Deltagare")
        self.participants = sorted(set(PARTICIPANT_LINK.findall(response.text or "")))
        self.csrf = self.client.cookies.get("csrftoken", "")

    # --- tasks ---------------------------------------------------------------

    @task(4)
    def to_do(self):
        self._get("/deltagare/att-gora/", "att göra", "Att göra")

    @task(3)
    def participant_list(self):
        self._load_participants()

    @task(3)
    def search(self):
        url = self.url("/deltagare/")
        with self.client.post(
            url,
            data={"q": random.choice(SEARCH_TERMS), "csrfmiddlewaretoken": self.csrf},
            headers={"Referer": self.referer(url)},
            name="deltagare (sök)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "Deltagare" not in response.text:
                response.failure(f"search answered {response.status_code}")
            else:
                response.success()

    @task(8)
    def participant_page(self):
        if not self.participants:
            return
        pk = random.choice(self.participants)
        for number, tab in enumerate(PARTICIPANT_TABS):
            if number:
                self.wait()  # reading the tab before the next
            self._get(
                f"/deltagare/{pk}/{tab}",
                f"deltagare/[id]/{tab}",
                'aria-current="page"',
            )

    @task(1)
    def journal_note(self):
        """A journal note: the form from one server, the post to the next,
        the saved note shown after the redirect."""
        if not self.participants:
            return
        pk = random.choice(self.participants)
        path = f"/deltagare/{pk}/journal/"
        page = self._get(path, "deltagare/[id]/journal/", 'aria-current="page"')
        token = CSRF.search(page.text or "")
        if token is None or 'name="text"' not in page.text:
            return  # a participant this user may see but not change
        self.wait()  # writing the note
        url = self.url(path)
        with self.client.post(
            url,
            data={
                "kind": "dag",
                "happened_on": today().isoformat(),
                "text": "Lasttest: daganteckning.",
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": self.referer(url)},
            name="deltagare/[id]/journal/ (spara)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "Anteckningen är sparad" not in response.text:
                response.failure(f"journal note answered {response.status_code}")
            else:
                response.success()

    @task(2)
    def goal_document_overview(self):
        self._get("/maldokument/", "måldokument", "Måldokument")

    @task(1)
    def dashboard(self):
        self._get("/reports/", "resultat", "Resultat")

    @task(1)
    def results_json(self):
        self._get("/reports/results.json", "results.json", '"')

    @task(2)
    def referral_inbox(self):
        if self.username == "arbetsformedlare":
            self._get("/anvisningar/inkomna/", "inkomna anvisningar", "Inkomna anvisningar")

    @task(1)
    def weekly_meeting(self):
        self._get("/veckomote/", "veckomöte", "Veckomöte")


def _test_numbers():
    """Skatteverket's test personnummer (they belong to no one) of people
    aged 26 to 56, from the end of the list: the demo data takes its
    numbers from the start."""
    source = (
        Path(__file__).resolve().parent.parent
        / "rattinsats"
        / "data"
        / "testpersonnummer"
        / "personnummer.json"
    )
    numbers = json.loads(source.read_text(encoding="utf-8"))
    year = today().year
    return iter([n for n in reversed(numbers) if year - 56 <= int(n[:4]) <= year - 26])


TEST_NUMBERS = _test_numbers()


def consent_pdf() -> bytes:
    """A one-page PDF without any active content, as the upload check wants."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


CONSENT_PDF = consent_pdf()


class Counsellor(Turns):
    """A referring counsellor: sends referrals with the signed consent form
    (an upload, stored through the storage every server shares) and fetches
    the form back from another server."""

    fixed_count = int(os.environ.get("LOADTEST_COUNSELLORS", "1"))
    wait_time = between(*THINK)

    def on_start(self):
        super().on_start()
        self.signed_in = self.login(next(COUNSELLOR_ACCOUNTS))

    @task(2)
    def my_referrals(self):
        if self.signed_in:
            self._get("/anvisningar/", "mina anvisningar", "anvisningar")

    @task(1)
    def refer(self):
        if not self.signed_in:
            return
        page = self._get("/anvisningar/ny/", "anvisning (formulär)", 'name="submission_key"')
        token, key = CSRF.search(page.text or ""), HIDDEN_KEY.search(page.text or "")
        organisations = ORGANISATION.findall(page.text or "")
        if token is None or key is None or not organisations:
            return  # counted as a failure above
        self.wait()  # filling in the form
        url = self.url("/anvisningar/ny/")
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "submission_key": key.group(1),
            "personnummer": next(TEST_NUMBERS),
            "first_name": "Test",
            "last_name": "Lasttestsson",
            "gender": random.choice(["kvinna", "man", "annat"]),
            "needs_deeper_support": "ja",
            "other_af_intervention": "nej",
            "registered_jobseeker": "ja",
            "social_assistance": "ja",
            "jobseeker_category_14": "nej",
            "sick_leave_ending": "nej",
            "consent_signed_on": today().isoformat(),
            "consent_organisations": organisations,
            "reason": "Lasttest: anvisning.",
        }
        with self.client.post(
            url,
            data=data,
            files={"consent_document": ("samtycke.pdf", CONSENT_PDF, "application/pdf")},
            headers={"Referer": self.referer(url)},
            name="anvisning (skicka)",
            catch_response=True,
        ) as response:
            sent = RECEIPT.search(urlsplit(response.url or "").path)
            if response.status_code != 200 or sent is None:
                response.failure(f"referral not sent ({response.status_code})")
                return
            response.success()
        REFERRALS_SENT.append(int(sent.group(1)))
        # The form back, from the next server: the upload is on shared storage.
        with self.client.get(
            self.url(f"/anvisningar/{sent.group(1)}/samtycke/"),
            name="anvisning/[id]/samtycke/",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.content != CONSENT_PDF:
                response.failure(f"consent form not served back ({response.status_code})")
            else:
                response.success()
