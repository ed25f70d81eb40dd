"""Every URL of the app, requested as every role, answers as expected.

The list of URLs comes from the URLconf: a URL without a row in MATRIX fails
`test_it_covers_every_url`, so a new page cannot escape the matrix.
"""

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from casework.models import Flag, Intervention, JournalNote
from operations.jobs import goal_export_start
from operations.worker import heartbeat_register
from participants.models import Task

from .conftest import client_for
from .factories import (
    ConsentFactory,
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    activity,
    organisation,
)

ROLES = [
    "anonymous",
    "counsellor",
    "teammate",  # project staff, not responsible for the participant
    "owner",  # project staff responsible for the participant
    "officer",  # the project's employment officer
    "steering",
    "administrator",
]
LOGIN = "login"  # a redirect to the login page
OK = 200
REDIRECT = 302
NOT_FOUND = 404
NOT_ALLOWED = 405


def everyone_logged_in(code, **overrides):
    row = {role: code for role in ROLES if role != "anonymous"}
    row["anonymous"] = LOGIN
    row.update(overrides)
    return row


def only(roles, code=OK, others=NOT_FOUND):
    row = {role: (code if role in roles else others) for role in ROLES}
    row["anonymous"] = LOGIN
    return row


TEAM = ("teammate", "owner", "officer")
REPORT_READERS = (*TEAM, "steering", "administrator")

# url name → expected answer to GET per role.
MATRIX = {
    "login": {role: (OK if role == "anonymous" else REDIRECT) for role in ROLES},
    "logout": everyone_logged_in(NOT_ALLOWED),
    "start": everyone_logged_in(REDIRECT),
    "two_factor_verify": everyone_logged_in(REDIRECT),
    "two_factor_enrol": everyone_logged_in(REDIRECT),
    "two_factor_setup": everyone_logged_in(REDIRECT),
    "staff_two_factor": only(["administrator"]),
    "password_change": everyone_logged_in(OK),
    "password_change_done": everyone_logged_in(OK),
    "notifications": everyone_logged_in(OK),
    "notifications_mark_read": everyone_logged_in(NOT_ALLOWED),
    # Background jobs: the list is everyone's own; a job (the owner's
    # export in this world), its status and its file only its user's.
    "file_jobs": everyone_logged_in(OK),
    "file_job": only(["owner"]),
    "file_job_status": only(["owner"]),
    "file_job_download": only(["owner"]),
    # POST only, and without a session it answers 401 rather than the login page.
    "session_keepalive": {role: NOT_ALLOWED for role in ROLES},
    # Browsers ask for it on their own: a redirect to the static icon, for anyone.
    "favicon": {role: REDIRECT for role in ROLES},
    # The load balancer's health checks, for anyone (no personal data; a
    # worker has a heartbeat in this world, so it is ready).
    "healthz": {role: OK for role in ROLES},
    "readyz": {role: OK for role in ROLES},
    "operations:access_review": only(["administrator"]),
    # The exports are made by background jobs, started by a POST; a GET
    # leads to the export's page.
    "operations:access_review_excel": only(["administrator"], code=REDIRECT),
    "participants:list": only(TEAM),
    "casework:tasks": only(TEAM),
    "participants:task_done": only(TEAM, code=NOT_ALLOWED),
    "participants:detail": only(["owner"]),
    "participants:consents": only(["owner"]),
    "participants:consent_withdraw": only(["owner"]),
    # The consent in this world has no uploaded form (tested in
    # test_participant_views.py with one).
    "participants:consent_document": only([]),
    "casework:flags": only(TEAM),
    "casework:interventions": only(["owner"]),
    "casework:intervention_edit": only(["owner"]),
    "casework:journal": only(["owner"]),
    "casework:journal_correct": only(["owner"]),
    "casework:participant_flags": only(["owner"]),
    "casework:flag_status": only(TEAM, code=NOT_ALLOWED),
    "closure:tab": only(["owner"]),
    "closure:close": only(TEAM, code=NOT_ALLOWED),
    "closure:reopen": only(TEAM, code=NOT_ALLOWED),
    "closure:flag_send": only(TEAM, code=NOT_ALLOWED),
    "closure:follow_up": only(TEAM, code=NOT_ALLOWED),
    "closure:status_at_start": only(TEAM, code=NOT_ALLOWED),
    "closure:training_record": only(TEAM, code=NOT_ALLOWED),
    "closure:summary": only(TEAM, code=NOT_ALLOWED),
    # No summary has been finalised in this world.
    "closure:summary_download": only([]),
    "reports:monthly": only(TEAM),
    "reports:monthly_pdf": only(TEAM, code=REDIRECT),
    "reports:monthly_xlsx": only(TEAM, code=REDIRECT),
    "referrals:mine": only(["counsellor"]),
    "referrals:new": only(["counsellor"]),
    "referrals:receipt": only(["counsellor"]),
    "referrals:inbox": only(["officer"]),
    "referrals:detail": only(["officer"]),
    "referrals:check": only(["officer"], code=NOT_ALLOWED),
    "referrals:information_call": only(["officer"], code=NOT_ALLOWED),
    # The referral in this world has no uploaded form.
    "referrals:consent_document": only([]),
    "referrals:meeting_current": only(TEAM),
    "referrals:meeting": only(TEAM),
    "referrals:meeting_notes": only(TEAM, code=NOT_ALLOWED),
    "referrals:meeting_allocate": only(TEAM, code=NOT_ALLOWED),
    "mapping:overview": only(TEAM),
    "operations:goal_document_export": only(TEAM, code=REDIRECT),
    "operations:goal_document_import": only(TEAM),
    "mapping:mapping": only(["owner"]),
    "mapping:mapping_pdf": only(["owner"]),
    "mapping:goals": only(["owner"]),
    "mapping:move_record": only(TEAM, code=NOT_ALLOWED),
    "reports:dashboard": only(REPORT_READERS),
    "reports:results_json": only(REPORT_READERS),
    "reports:results_xlsx": only(REPORT_READERS),
    "reports:results_pdf": only(REPORT_READERS),
    # Employer collaboration in the results: aggregates only for the steering group.
    "reports:employers": only(REPORT_READERS),
    # Matching: the team works an order's proposals; a match is the owner's
    # participant's (the teammate gets 404 on its page).
    "employers:match_propose": only(TEAM, code=NOT_ALLOWED),
    "employers:match_add": only(TEAM, code=NOT_ALLOWED),
    "employers:match_detail": only(["owner"]),
    "employers:match_status": only(TEAM, code=NOT_ALLOWED),
    # Employers and job orders: the project team's, every member alike.
    "employers:list": only(TEAM),
    "employers:create": only(TEAM),
    "employers:export": only(TEAM),
    "employers:import": only(TEAM),
    "employers:detail": only(TEAM),
    "employers:edit": only(TEAM),
    "employers:merge": only(TEAM),
    "employers:contact_person_create": only(TEAM),
    "employers:contact_person_edit": only(TEAM),
    "employers:contact_record": only(TEAM),
    "employers:job_order_create": only(TEAM),
    "employers:job_orders": only(TEAM),
    "employers:job_orders_export": only(TEAM),
    "employers:job_order": only(TEAM),
    "employers:job_order_edit": only(TEAM),
    # Placements belong to the participant's case.
    "employers:participant_tab": only(["owner"]),
    "employers:placement_create": only(["owner"]),
    "employers:placement_edit": only(["owner"]),
    "employers:placement_follow_up": only(TEAM, code=NOT_ALLOWED),
    # Digital consent: the owner's pages on the Samtycke tab; the receipt of
    # the BankID consent to whoever sees the participant.
    "signing:start": only(["owner"]),
    "signing:order": only(["owner"]),
    "signing:order_status": only(["owner"]),
    "signing:order_cancel": only(TEAM, code=NOT_ALLOWED),
    "signing:link_send": only(["owner"]),
    "signing:link_send_withdrawal": only(["owner"]),
    "signing:withdrawal_start": only(["owner"]),
    "signing:link_revoke": only(TEAM, code=NOT_ALLOWED),
    "signing:receipt": only(["owner"]),
    # The participant's public page (no account): without a link in the
    # session, or with an unknown token, nothing for anyone.
    "signing:link": {role: NOT_FOUND for role in ROLES},
    "signing:public": {role: NOT_FOUND for role in ROLES},
    "signing:public_status": {role: NOT_FOUND for role in ROLES},
    "signing:public_start": {role: NOT_ALLOWED for role in ROLES},
    "signing:public_cancel": {role: NOT_ALLOWED for role in ROLES},
}

# Not part of the app's own pages: Django's admin has its own permission
# system (tested in test_audit.py and test_accounts.py), set_language is
# Django's, and the admin login redirects to ours.
EXCLUDED_PREFIXES = ("admin:",)
EXCLUDED = {"set_language"}


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _named_urls(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def test_it_covers_every_url():
    names = {
        name
        for name, _ in _named_urls()
        if not name.startswith(EXCLUDED_PREFIXES) and name not in EXCLUDED
    }
    missing = sorted(names - set(MATRIX))
    assert missing == [], f"add these URLs to MATRIX: {missing}"
    assert sorted(set(MATRIX) - names) == []


@pytest.fixture
def world(db):
    users = {
        "counsellor": UserFactory(username="counsellor", role="counsellor"),
        "teammate": UserFactory(username="teammate", role="staff"),
        "owner": UserFactory(username="owner", role="staff"),
        "officer": UserFactory(
            username="officer",
            role="employment_officer",
            organisation=organisation("arbetsformedlingen"),
        ),
        "steering": UserFactory(username="steering", role="steering"),
        "administrator": UserFactory(
            username="administrator", role="admin", is_staff=True, is_superuser=True
        ),
    }
    participant = ParticipantFactory(responsible=users["owner"])
    heartbeat_register("matrix-worker")
    consent = ConsentFactory(participant=participant)
    task = Task.objects.create(
        assignee=users["owner"],
        participant=participant,
        kind=Task.Kind.BOOK_MAPPING,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    referral = ReferralFactory(referred_by=users["counsellor"])
    intervention = Intervention.objects.create(
        participant=participant,
        activity=activity(),
        start_date=participant.start_date,
        created_by=users["owner"],
    )
    note = JournalNote.objects.create(
        participant=participant,
        kind=JournalNote.Kind.DAY,
        happened_on=participant.start_date,
        text="Samtal om målen.",
        author=users["owner"],
    )
    flag = Flag.objects.create(
        participant=participant,
        organisation=organisation("ekonomiskt_bistand"),
        reason="Start",
        created_by=users["owner"],
    )
    year, week, _ = timezone.localdate().isocalendar()
    kwargs = {
        "pk": participant.pk,
        "consent_pk": consent.pk,
        "task_pk": task.pk,
        "intervention_pk": intervention.pk,
        "note_pk": note.pk,
        "flag_pk": flag.pk,
        "org_pk": organisation("ekonomiskt_bistand").pk,
        "version": 1,
        "year": year,
        "week": week,
        # In the referrals app, pk is the referral's.
        "referrals:pk": referral.pk,
    }
    # A background export of the owner's (run at once in the tests).
    job = goal_export_start(users["owner"], responsible=None, status="")
    for name in ("file_job", "file_job_status", "file_job_download"):
        kwargs[f"{name}:pk"] = job.pk
    # Matching: an open order and the owner's participant proposed for it.
    match = _matching_world(users["owner"], participant)
    kwargs["order_pk"], kwargs["match_pk"] = match.job_order_id, match.pk
    # Employers: the order's employer, a contact person, a placement.
    kwargs.update(_employer_world(users["owner"], participant, match.job_order))
    kwargs.update(_signing_world(users["owner"], participant))
    return users, kwargs


def _signing_world(owner, participant):
    """A BankID signing in progress, a consent signed with BankID and a
    link sent for the owner's participant."""
    from signing.models import Signature, SigningLink, SigningOrder
    from tests.signing.fakes import ensure_consent_text

    text = ensure_consent_text()
    signed = ConsentFactory(participant=participant, method="bankid", text_version=text)
    common = {"participant": participant, "started_by": owner, "text_version": text}
    done = SigningOrder.objects.create(
        **common,
        purpose="consent",
        method="qr",
        order_ref="matrix-done",
        status="complete",
        signed_text="Text",
        user_visible_data="Text",
    )
    Signature.objects.create(
        consent=signed,
        kind="consent",
        order=done,
        order_ref="matrix-done",
        text_version=text,
        signed_text="Text",
        user_visible_data="Text",
        personal_number=participant.personnummer,
        name="Tove Testdotter",
        given_name="Tove",
        surname="Testdotter",
        signature="PFNpZ25hdHVyZT4=",
        ocsp_response="MIIB",
        completed_at=timezone.now(),
    )
    pending = SigningOrder.objects.create(
        **common,
        purpose="consent",
        method="qr",
        order_ref="matrix-pending",
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        signed_text="Text",
        user_visible_data="Text",
        qr_start_token="qr-token",
        qr_start_secret="qr-secret",
    )
    link = SigningLink.objects.create(
        participant=participant,
        purpose="consent",
        channel="email",
        created_by=owner,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
        text_version=text,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    return {
        "signing:order_pk": pending.pk,
        "signing:consent_pk": signed.pk,
        "link_pk": link.pk,
        "token": "x" * 43,
    }


def _employer_world(owner, participant, order):
    from employers.models import ContactPerson, Placement

    person = ContactPerson.objects.create(employer=order.employer, name="Kim Kontakt")
    placement = Placement.objects.create(
        participant=participant,
        employer=order.employer,
        job_order=order,
        kind=Placement.Kind.INTERNSHIP,
        start_date=participant.start_date,
        created_by=owner,
    )
    return {
        "employer_pk": order.employer_id,
        "person_pk": person.pk,
        "placement_pk": placement.pk,
    }


def _matching_world(owner, participant):
    from employers.models import Employer, JobOrder, Match

    employer = Employer.objects.create(
        organisation_number="552100-0108", name="Matrisen AB", created_by=owner
    )
    order = JobOrder.objects.create(employer=employer, occupation="Lagerarbetare", created_by=owner)
    return Match.objects.create(job_order=order, participant=participant, reason="Målet nämner")


def _url(name, pattern, kwargs):
    namespace = name.split(":")[0] + ":"
    wanted = {k: kwargs.get(namespace + k, kwargs.get(k)) for k in pattern.pattern.regex.groupindex}
    return reverse(name, kwargs=wanted)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_every_role_as_expected(world, name):
    users, kwargs = world
    patterns = dict(_named_urls())
    url = _url(name, patterns[name], kwargs)
    failures = []
    for role in ROLES:
        client = client_for(users[role]) if role != "anonymous" else Client()
        response = client.get(url)
        expected = MATRIX[name][role]
        if expected == LOGIN:
            ok = response.status_code == 302 and response.url.startswith(reverse("login"))
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append((role, expected, response.status_code))
    assert failures == [], f"{name} ({url}): {failures}"
