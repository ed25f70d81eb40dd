"""Mixed project-staff traffic for locust (see ``loadtest/run.sh``).

Each simulated user logs in with one of the demo staff accounts (two-factor
login switched off for the run), then works the way project staff do: Att
göra, the participant list and a search, a participant's page and its tabs,
the goal-document overview, the results, the weekly meeting; the employment
officer also the referral inbox. Every answer
must be 200 with the page's own content: a login page or an error page
counts as a failure.

Only ever run against a server on the loopback interface:

    locust -f loadtest/locustfile.py --headless --users 50 --spawn-rate 10 \\
        --run-time 60s --host http://127.0.0.1:8338
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from urllib.parse import urlsplit

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


@events.init.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit(f"refusing to load-test {host!r}: loopback only")


# Response times of the pages after login, for a p95 that the one-off
# (deliberately slow) password hashing of the logins does not dominate.
PAGE_TIMES: list[float] = []


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    if exception is None and not name.startswith("login"):
        PAGE_TIMES.append(response_time)


@events.quitting.add_listener
def _write_page_times(environment, **_kwargs):
    target = os.environ.get("LOADTEST_PAGE_TIMES")
    if not target:
        return
    times = sorted(PAGE_TIMES)

    def percentile(p):
        return times[min(len(times) - 1, int(p * len(times)))] if times else None

    with open(target, "w", encoding="utf-8") as out:
        json.dump(
            {
                "requests": len(times),
                "median_ms": percentile(0.50),
                "p95_ms": percentile(0.95),
                "p99_ms": percentile(0.99),
            },
            out,
        )


class Staff(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.username = next(ACCOUNTS)
        self.participants: list[str] = []
        self.csrf = ""
        page = self.client.get(LOGIN_PATH, name="login (form)")
        token = CSRF.search(page.text)
        with self.client.post(
            LOGIN_PATH,
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "",
            },
            headers={"Referer": self.host + LOGIN_PATH},
            name="login (post)",
            catch_response=True,
        ) as response:
            if response.url is None or urlsplit(response.url).path == LOGIN_PATH:
                response.failure(f"login failed for {self.username}")
                return
            response.success()
        self._load_participants()

    # --- helpers -------------------------------------------------------------

    def _get(self, path, name, expect):
        """GET a page and check that it is the page asked for, not a login
        page or an error page."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {name}")
            elif urlsplit(response.url).path == LOGIN_PATH:
                response.failure(f"sent to the login page from {name}")
            elif expect not in response.text:
                response.failure(f"{name}: {expect!r} missing")
            else:
                response.success()
            return response

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
        with self.client.post(
            "/deltagare/",
            data={"q": random.choice(SEARCH_TERMS), "csrfmiddlewaretoken": self.csrf},
            headers={"Referer": self.host + "/deltagare/"},
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
        for tab in PARTICIPANT_TABS:
            self._get(
                f"/deltagare/{pk}/{tab}",
                f"deltagare/[id]/{tab}",
                'aria-current="page"',
            )

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
