"""Form fuzzing: random, oversized, malformed and Unicode input posted to
every form view (and every filter read from a query string) never gives a
server error and never saves half a change.

Each example runs in a savepoint that is rolled back, so every example sees
the same world. A response that is not a redirect must leave every table as
it was; a redirect (the success answer) may change the tables only together
with the audit event its service writes.

The list of form views is checked against the URLconf: a view that accepts
POST and has no entry in TARGETS fails `test_it_fuzzes_every_form_view`.
"""

from __future__ import annotations

import datetime
import io
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casework.models import Flag, Intervention, JournalNote
from closure.forms import (
    ClosureForm,
    FollowUpForm,
    ReopenForm,
    StartStatusForm,
    SummaryForm,
    TrainingForm,
)
from closure.services import participant_close
from mapping.models import MoveCategory
from operations.workbook import export_workbook
from participants.models import ClosureReason, ClosureResult, Participant, Task
from rattinsats import twofactor
from rattinsats.models import AuditEvent, Notification, Organisation
from referrals.models import Referral, week_monday
from tests.test_permission_matrix import EXCLUDED, EXCLUDED_PREFIXES, _named_urls

from .conftest import client_for
from .factories import (
    ConsentFactory,
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    activity,
    next_personnummer,
    organisation,
)

PASSWORD = "Testlösenord-123"
# More examples per view for a longer search: FUZZ_FACTOR=10 python -m pytest ...
FUZZ_FACTOR = int(os.environ.get("FUZZ_FACTOR", "1"))

# --- Input ------------------------------------------------------------------

# Text the test client can encode (no lone surrogates).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202e\u200fשלום\u202c",  # RTL override and mark, Hebrew
        "👩🏽‍💻🇸🇪🤖",
        "Åsa Öberg-Ähl",
        "x" * 100_000,
        "😀" * 20_000,
        "0",
        "-1",
        "99999999999999999999999999",
        "1e400",
        "NaN",
        "3.5",
        "true",
        "on",
        "ja",
        "nej",
        "2026-02-30",
        "2026-13-01",
        "9999-12-31",
        "0001-01-01",
        "31/12/2025",
        "2025-W01",
        "2025-01",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%00",
        "\r\n\t",
        "195001012386",
        "19121212-1212",
    ]
)
DATES = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str)
SCALAR = st.one_of(TEXT, NASTY, st.integers().map(str), DATES)
# A field may come once, several times or as a list of odd values.
VALUE = st.one_of(SCALAR, st.lists(SCALAR, min_size=0, max_size=3))
EXTRA = st.dictionaries(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12), VALUE, max_size=2
)
FILES = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            b"\xff\xd8\xff\xe0" + b"\x00" * 64,
            b"PK\x03\x04" + b"\x00" * 100,  # a broken zip (xlsx)
            b"<html><script>alert(1)</script></html>",
        ]
    ),
)
FILE_NAMES = st.sampled_from(
    ["samtycke.pdf", "bild.png", "bok.xlsx", "../../etc/passwd", "\u202egpj.exe", "a" * 300]
)


@dataclass
class World:
    users: dict
    today: datetime.date
    active: Participant
    closed: Participant
    values: dict = field(default_factory=dict)


@dataclass
class Target:
    url_name: str
    role: str  # who posts (a key of World.users, or "anonymous")
    kwargs: Callable[[World], dict]
    valid: Callable[[World], dict]  # a valid submission; fuzzing mixes it with junk
    method: str = "post"
    files: tuple[str, ...] = ()  # names of file fields
    examples: int = 25
    setup: Callable[[World], None] | None = None  # once, after the world is built
    session: Callable[[World], dict] | None = None  # put into the client's session


def _prefixed(form_class, data: dict) -> dict:
    return {f"{form_class.prefix}-{name}": value for name, value in data.items()}


def _iso(day):
    return day.isoformat()


def _pk(world):
    return {"pk": world.active.pk}


def _closed_pk(world):
    return {"pk": world.closed.pk}


def _week(world):
    year, week, _ = world.today.isocalendar()
    return {"year": year, "week": week}


def _orgs():
    return [str(pk) for pk in Organisation.objects.values_list("pk", flat=True)]


def _mapping_valid(world):
    return {
        "version": "0",
        "education_experience": "Gymnasium",
        "licences": "B-körkort",
        "languages": "Svenska",
        "goal_direction": "arbete",
        "goal": "Arbete inom lager",
        "delmal_1": "Praktik",
        "delmal_2": "",
        "delmal_3": "",
        "participant_part": "",
        "staff_part": "",
        "employer_presentation": "",
    }


def _goals_valid(world):
    return {
        "version": "0",
        "goal": "Arbete",
        "delmal_1": "Praktik",
        "delmal_1_status": "pagaende",
        "delmal_2": "",
        "delmal_2_status": "",
        "delmal_3": "",
        "delmal_3_status": "",
        "employment_subsidy": "",
        "consent_renewal_on": "",
        "continuation_reason": "",
        "other": "",
    }


def _referral_valid(world):
    return {
        "submission_key": str(uuid.uuid4()),
        "personnummer": next_personnummer(),
        "first_name": "Maja",
        "last_name": "Fuzzdottir",
        "gender": "kvinna",
        "phone": "070-1234567",
        "email": "maja@example.se",
        "preferred_language": "",
        "needs_deeper_support": "ja",
        "other_af_intervention": "nej",
        "registered_jobseeker": "ja",
        "social_assistance": "ja",
        "jobseeker_category_14": "nej",
        "sick_leave_ending": "nej",
        "consent_signed_on": _iso(world.today),
        "consent_organisations": _orgs(),
        "reason": "Behöver stöd.",
    }


def _employer_pk(world):
    return {"employer_pk": world.values["employer"]}


def _employer_valid(world):
    return {
        "organisation_number": "212000-0142",
        "name": "Fuzz AB",
        "street_address": "Storgatan 1",
        "postal_code": "632 20",
        "city": "Eskilstuna",
        "industry": "Lager",
        "sni_code": "52.100",
        "responsible": str(world.users["owner"].pk),
        "notes": "",
    }


def _job_order_valid(world):
    return {
        "occupation": "Lagerarbetare",
        "ssyk_code": "9321",
        "positions": "2",
        "extent": "Heltid",
        "start_date": _iso(world.today),
        "apply_by": "",
        "support_form": "nystartsjobb",
        "requirements": "B-körkort",
    }


def _employer_world(owner, participant) -> dict:
    """An employer with a contact person, a job order and a placement of
    the participant, and a second employer to merge into."""
    from employers.models import ContactPerson, Employer, JobOrder, Placement

    employer = Employer.objects.create(
        organisation_number="556677-8899", name="Verkstaden AB", created_by=owner
    )
    other = Employer.objects.create(
        organisation_number="556036-0793", name="Behåll AB", created_by=owner
    )
    person = ContactPerson.objects.create(employer=employer, name="Kim Kontakt")
    order = JobOrder.objects.create(employer=employer, occupation="Svetsare", created_by=owner)
    placement = Placement.objects.create(
        participant=participant,
        employer=employer,
        kind=Placement.Kind.INTERNSHIP,
        start_date=participant.start_date,
        created_by=owner,
    )
    return {
        "employer": employer.pk,
        "other_employer": other.pk,
        "person": person.pk,
        "order": order.pk,
        "placement": placement.pk,
    }


def _matching_world(participant) -> dict:
    """The participant proposed for the employer world's job order."""
    from employers.models import JobOrder, Match

    order = JobOrder.objects.get(occupation="Svetsare")
    match = Match.objects.create(job_order=order, participant=participant, reason="Fuzz")
    return {"match": match.pk}


def _device_unconfirmed(world):
    # Set up after an enrolment code, in the session that used it (_enrolled).
    world.values["device"] = TOTPDevice.objects.create(
        user=world.users["owner"], name="default", confirmed=False
    )


def _enrolled(world):
    return {twofactor.ENROLMENT_SESSION_KEY: world.values["device"].pk}


def _enrolment_issued(world):
    world.values["enrolment_code"] = twofactor.enrolment_issue(
        actor=None, user=world.users["owner"]
    ).code


def _device_confirmed(world):
    world.values["device"] = TOTPDevice.objects.create(
        user=world.users["owner"], name="default", confirmed=True
    )


def _current_code(world):
    device = world.values["device"]
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return {"code": str(token).zfill(device.digits)}


TARGETS = [
    # Accounts.
    Target(
        "login",
        "anonymous",
        lambda w: {},
        lambda w: {"username": "owner", "password": PASSWORD},
        examples=15,
    ),
    Target("logout", "owner", lambda w: {}, lambda w: {}, examples=5),
    Target(
        "password_change",
        "owner",
        lambda w: {},
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Ett-nytt-lösenord-42",
            "new_password2": "Ett-nytt-lösenord-42",
        },
        examples=15,
    ),
    Target(
        "two_factor_enrol",
        "owner",
        lambda w: {},
        lambda w: {"code": w.values["enrolment_code"]},
        examples=15,
        setup=_enrolment_issued,
    ),
    Target(
        "two_factor_setup",
        "owner",
        lambda w: {},
        _current_code,
        examples=15,
        setup=_device_unconfirmed,
        session=_enrolled,
    ),
    Target(
        "staff_two_factor",
        "administrator",
        lambda w: {},
        lambda w: {"user": str(w.users["owner"].pk), "action": "issue"},
        examples=15,
    ),
    Target(
        "two_factor_verify",
        "owner",
        lambda w: {},
        _current_code,
        examples=15,
        setup=_device_confirmed,
    ),
    Target("notifications_mark_read", "owner", lambda w: {}, lambda w: {}, examples=5),
    Target("session_keepalive", "owner", lambda w: {}, lambda w: {}, examples=5),
    # Participants.
    Target("participants:list", "owner", lambda w: {}, lambda w: {"q": "Alva", "page": "1"}),
    Target(
        "participants:task_done",
        "owner",
        lambda w: {"task_pk": w.values["task"]},
        lambda w: {},
        examples=5,
    ),
    Target(
        "participants:consents",
        "owner",
        _pk,
        lambda w: {
            "organisations": _orgs(),
            "signed_on": _iso(w.today),
            "valid_until": _iso(w.today + datetime.timedelta(days=300)),
        },
    ),
    Target(
        "participants:consent_withdraw",
        "owner",
        lambda w: {"pk": w.active.pk, "consent_pk": w.values["consent"]},
        lambda w: {},
        examples=5,
    ),
    # Digital consent (BankID is not configured here: a start is refused
    # with a message; a link is queued and sent).
    Target(
        "signing:start",
        "owner",
        _pk,
        lambda w: {
            "organisations": _orgs(),
            "valid_until": _iso(w.today + datetime.timedelta(days=300)),
            "method": "qr",
        },
        examples=10,
    ),
    Target(
        "signing:link_send",
        "owner",
        _pk,
        lambda w: {
            "organisations": _orgs(),
            "valid_until": _iso(w.today + datetime.timedelta(days=300)),
            "channel": "email",
            "recipient": "deltagare@example.se",
        },
        examples=10,
    ),
    Target(
        "signing:link_send_withdrawal",
        "owner",
        _pk,
        lambda w: {"consent": str(w.values["consent"]), "channel": "email"},
        examples=10,
    ),
    Target(
        "signing:withdrawal_start",
        "owner",
        lambda w: {"pk": w.active.pk, "consent_pk": w.values["consent"]},
        lambda w: {"method": "qr"},
        examples=5,
    ),
    Target(
        "casework:interventions",
        "owner",
        _pk,
        lambda w: {
            "new-activity": str(w.values["activity"]),
            "new-start_date": _iso(w.today),
            "new-end_date": "",
            "new-notes": "Arbetsprövning på lager",
        },
    ),
    Target(
        "casework:intervention_edit",
        "owner",
        lambda w: {"pk": w.active.pk, "intervention_pk": w.values["intervention"]},
        lambda w: {
            "start_date": _iso(w.active.start_date),
            "end_date": _iso(w.today),
            "notes": "Klar",
            "version": "1",
        },
    ),
    Target(
        "casework:journal",
        "owner",
        _pk,
        lambda w: {"kind": "dag", "happened_on": _iso(w.today), "text": "Samtal"},
    ),
    Target(
        "casework:journal_correct",
        "owner",
        lambda w: {"pk": w.active.pk, "note_pk": w.values["note"]},
        lambda w: {"kind": "dag", "happened_on": _iso(w.today), "text": "Rättelse"},
    ),
    Target(
        "casework:participant_flags",
        "owner",
        _pk,
        lambda w: {"organisation": str(organisation("ekonomiskt_bistand").pk), "reason": "Start"},
    ),
    Target(
        "casework:flag_status",
        "owner",
        lambda w: {"pk": w.active.pk, "flag_pk": w.values["flag"]},
        lambda w: {"status": "sent", "back": "list"},
        examples=15,
    ),
    Target(
        "closure:close",
        "owner",
        _pk,
        lambda w: _prefixed(
            ClosureForm,
            {
                "closed_on": _iso(w.today),
                "reason": "arbete",
                "result": "extratjanst",
                "other_reason": "",
                "note": "",
                "employment_status": "subsidised_work",
                "income_source": "salary",
            },
        ),
    ),
    Target(
        "closure:reopen",
        "owner",
        _closed_pk,
        lambda w: _prefixed(ReopenForm, {"reason": "Avslutades av misstag"}),
    ),
    Target(
        "closure:flag_send",
        "owner",
        lambda w: {"pk": w.closed.pk, "org_pk": organisation("ekonomiskt_bistand").pk},
        lambda w: {},
        examples=5,
    ),
    Target(
        "closure:follow_up",
        "owner",
        _closed_pk,
        lambda w: _prefixed(
            FollowUpForm,
            {
                "followed_up_on": _iso(w.today),
                "reached": "ja",
                "self_supporting": "ja",
                "working": "ja",
                "extended_support": "",
                "extended_support_until": "",
                "note": "",
            },
        ),
    ),
    Target(
        "closure:status_at_start",
        "owner",
        _pk,
        lambda w: _prefixed(
            StartStatusForm,
            {"employment_status": "seeking_work", "income_source": "ekonomiskt_bistand"},
        ),
    ),
    Target(
        "closure:training_record",
        "owner",
        _pk,
        lambda w: _prefixed(TrainingForm, {"starts_on": _iso(w.today), "ends_on": "", "note": ""}),
    ),
    Target(
        "closure:summary",
        "owner",
        _closed_pk,
        lambda w: {**_prefixed(SummaryForm, {"text": "Sammanfattning"}), "action": "finalise"},
        examples=10,
    ),
    Target(
        "closure:summary",
        "owner",
        _closed_pk,
        lambda w: {**_prefixed(SummaryForm, {"text": "Utkast"}), "action": "preview"},
        examples=3,
    ),
    # Referrals.
    Target(
        "referrals:new",
        "counsellor",
        lambda w: {},
        _referral_valid,
        files=("consent_document",),
    ),
    Target(
        "referrals:check",
        "officer",
        lambda w: {"pk": w.values["referral_received"]},
        lambda w: {"has_other_intervention": "nej", "note": "Ingen annan insats"},
    ),
    Target(
        "referrals:information_call",
        "officer",
        lambda w: {"pk": w.values["referral_allocated"]},
        lambda w: {
            "identity_verified": "on",
            "informed_about_reporting": "on",
            "wants_to_participate": "ja",
            "start_date": _iso(w.today),
        },
    ),
    Target(
        "referrals:meeting_notes",
        "owner",
        _week,
        lambda w: {
            "version": "0",
            "supervision_notes": "Handledning",
            "employer_notes": "",
            "development_notes": "",
        },
    ),
    Target(
        "referrals:meeting_allocate",
        "owner",
        _week,
        lambda w: {f"referral_{w.values['referral_ready']}": str(w.users["owner"].pk)},
    ),
    # Mapping and goal documents.
    Target("mapping:mapping", "owner", _pk, _mapping_valid),
    Target("mapping:goals", "owner", _pk, _goals_valid),
    Target(
        "mapping:move_record",
        "owner",
        _pk,
        lambda w: {"period": "1", "category": str(w.values["category"]), "note": ""},
    ),
    Target(
        "operations:goal_document_import",
        "owner",
        lambda w: {},
        lambda w: {},
        files=("file",),
        examples=15,
    ),
    # Employers, job orders and placements.
    Target("employers:list", "owner", lambda w: {}, lambda w: {"q": "Fuzz", "page": "1"}),
    Target("employers:create", "owner", lambda w: {}, _employer_valid),
    Target(
        "employers:edit",
        "owner",
        _employer_pk,
        lambda w: {**_employer_valid(w), "organisation_number": "556677-8899", "version": "1"},
    ),
    Target(
        "employers:merge",
        "owner",
        _employer_pk,
        lambda w: {"keep": str(w.values["other_employer"])},
        examples=10,
    ),
    Target(
        "employers:contact_person_create",
        "owner",
        _employer_pk,
        lambda w: {"name": "Kim", "role": "HR", "phone": "016-10 00 00", "email": "kim@a.se"},
    ),
    Target(
        "employers:contact_person_edit",
        "owner",
        lambda w: {**_employer_pk(w), "person_pk": w.values["person"]},
        lambda w: {"name": "Kim", "role": "", "phone": "", "email": "", "active": "on"},
    ),
    Target(
        "employers:contact_record",
        "owner",
        _employer_pk,
        lambda w: {
            "kind": "besok",
            "date": _iso(w.today),
            "staff": str(w.users["owner"].pk),
            "contact_person": str(w.values["person"]),
            "outcome": "Bra möte",
            "next_step": "Ring igen",
            "next_step_due": _iso(w.today),
        },
    ),
    Target("employers:job_order_create", "owner", _employer_pk, _job_order_valid),
    Target(
        "employers:job_order_edit",
        "owner",
        lambda w: {"order_pk": w.values["order"]},
        lambda w: {**_job_order_valid(w), "status": "filled", "version": "1"},
    ),
    Target("employers:import", "owner", lambda w: {}, lambda w: {}, files=("file",), examples=15),
    Target(
        "employers:placement_create",
        "owner",
        _pk,
        lambda w: {
            "employer": str(w.values["employer"]),
            "kind": "praktik",
            "job_order": str(w.values["order"]),
            "start_date": _iso(w.today),
            "end_date": "",
            "support_form": "",
            "supervisor": str(w.values["person"]),
            "intervention": "",
            "activity": "",
            "notes": "",
        },
    ),
    Target(
        "employers:placement_edit",
        "owner",
        lambda w: {"pk": w.active.pk, "placement_pk": w.values["placement"]},
        lambda w: {
            "version": "1",
            "start_date": _iso(w.active.start_date),
            "end_date": _iso(w.today),
            "support_form": "",
            "supervisor": "",
            "notes": "Klar",
        },
    ),
    # Matching: the rules' proposals, a participant added by hand, a step.
    Target(
        "employers:match_propose",
        "owner",
        lambda w: {"order_pk": w.values["order"]},
        lambda w: {"next": "/"},
        examples=10,
    ),
    Target(
        "employers:match_add",
        "owner",
        lambda w: {"order_pk": w.values["order"]},
        lambda w: {"participant": str(w.active.pk), "note": "Vill prova lager"},
    ),
    Target(
        "employers:match_status",
        "owner",
        lambda w: {"order_pk": w.values["order"], "match_pk": w.values["match"]},
        lambda w: {
            "step": "confirm",
            "version": "1",
            "placement_start": "",
            "placement_end": "",
            "next": "",
        },
    ),
    Target(
        "employers:placement_follow_up",
        "owner",
        lambda w: {"pk": w.active.pk, "placement_pk": w.values["placement"]},
        lambda w: {"uppfoljning-date": _iso(w.today), "uppfoljning-notes": "Trivs"},
    ),
    # Filters read from the query string.
    Target(
        "employers:job_orders",
        "owner",
        lambda w: {},
        lambda w: {"status": "filled", "page": "2"},
        method="get",
        examples=15,
    ),
    Target(
        "employers:job_orders_export",
        "owner",
        lambda w: {},
        lambda w: {"status": "alla"},
        method="get",
        examples=5,
    ),
    Target(
        "casework:flags",
        "owner",
        lambda w: {},
        lambda w: {"organisation": str(organisation("ekonomiskt_bistand").pk), "page": "1"},
        method="get",
        examples=15,
    ),
    Target(
        "mapping:overview",
        "owner",
        lambda w: {},
        lambda w: {"responsible": str(w.users["owner"].pk), "status": "aktiv", "page": "2"},
        method="get",
        examples=15,
    ),
    Target(
        "operations:access_review",
        "administrator",
        lambda w: {},
        lambda w: {
            "start": _iso(w.today - datetime.timedelta(days=30)),
            "end": _iso(w.today),
            "user": str(w.users["owner"].pk),
        },
        method="get",
        examples=15,
    ),
    # The exports' buttons start background jobs (run at once in the tests).
    Target(
        "operations:access_review_excel",
        "administrator",
        lambda w: {},
        lambda w: {"start": _iso(w.today), "end": _iso(w.today)},
        examples=10,
    ),
    Target(
        "operations:goal_document_export",
        "owner",
        lambda w: {},
        lambda w: {"responsible": str(w.users["owner"].pk), "status": ""},
        examples=5,
    ),
    *[
        Target(
            name,
            "steering",
            lambda w: {},
            lambda w: {"from": "2024-01-01", "to": _iso(w.today)},
            examples=count,
        )
        for name, count in (("reports:results_xlsx", 5), ("reports:results_pdf", 2))
    ],
    *[
        Target(
            name,
            "steering",
            lambda w: {},
            lambda w: {
                "from": "2024-01-01",
                "to": _iso(w.today),
                "organisation": str(organisation("jobbcentrum").pk),
            },
            method="get",
            examples=count,
        )
        for name, count in (
            ("reports:dashboard", 15),
            ("reports:results_json", 15),
            ("reports:results_xlsx", 10),
            ("reports:results_pdf", 3),
        )
    ],
    Target(
        "reports:dashboard",
        "owner",
        lambda w: {},
        lambda w: {"from": "2024-01-01", "responsible": str(w.users["owner"].pk)},
        method="get",
        examples=10,
    ),
    *[
        Target(
            "reports:employers",
            role,
            lambda w: {},
            lambda w: {"from": "2024-01-01", "to": _iso(w.today)},
            method="get",
            examples=10,
        )
        for role in ("owner", "steering")
    ],
    *[
        Target(
            name,
            "owner",
            lambda w: {},
            lambda w: {
                "month": w.today.strftime("%Y-%m"),
                "organisation": str(organisation("ekonomiskt_bistand").pk),
            },
            method=method,
            examples=count,
        )
        for name, count, method in (
            ("reports:monthly", 15, "get"),
            ("reports:monthly_xlsx", 10, "post"),
            ("reports:monthly_pdf", 3, "post"),
        )
    ],
]

# Views that take a POST without any input of the user's: fuzzed with extra
# fields only (their entries above have an empty valid submission).
POST_VIEWS = {t.url_name for t in TARGETS if t.method == "post"}


def _build_world() -> World:
    today = timezone.localdate()
    users = {
        "owner": UserFactory(username="owner", role="staff"),
        "teammate": UserFactory(username="teammate", role="staff"),
        "officer": UserFactory(
            username="officer",
            role="employment_officer",
            organisation=organisation("arbetsformedlingen"),
        ),
        "counsellor": UserFactory(username="counsellor", role="counsellor"),
        "steering": UserFactory(username="steering", role="steering"),
        "administrator": UserFactory(
            username="administrator", role="admin", is_staff=True, is_superuser=True
        ),
    }
    owner = users["owner"]
    active = ParticipantFactory(
        responsible=owner, start_date=today - datetime.timedelta(days=100), first_name="Alva"
    )
    consent = ConsentFactory(participant=active, signed_on=active.start_date)
    closed = ParticipantFactory(responsible=owner, start_date=today - datetime.timedelta(days=200))
    ConsentFactory(participant=closed, signed_on=closed.start_date)
    participant_close(
        actor=owner,
        participant=closed,
        closed_on=today - datetime.timedelta(days=5),
        reason=ClosureReason.WORK,
        result=ClosureResult.EXTRATJANST,
        employment_status="subsidised_work",
        income_source="salary",
    )
    task = Task.objects.create(assignee=owner, participant=active, kind=Task.Kind.OTHER)
    intervention = Intervention.objects.create(
        participant=active, activity=activity(), start_date=active.start_date, created_by=owner
    )
    note = JournalNote.objects.create(
        participant=active, kind="dag", happened_on=active.start_date, text="Samtal", author=owner
    )
    flag = Flag.objects.create(
        participant=active,
        organisation=organisation("ekonomiskt_bistand"),
        reason="Start",
        created_by=owner,
    )
    received = ReferralFactory(referred_by=users["counsellor"])
    ready = ReferralFactory(referred_by=users["counsellor"], status=Referral.Status.READY)
    allocated = ReferralFactory(
        referred_by=users["counsellor"],
        status=Referral.Status.ALLOCATED,
        responsible=owner,
        allocated_at=timezone.now(),
    )
    Notification.objects.create(user=owner, message="Ny anvisning", url="/")
    return World(
        users=users,
        today=today,
        active=active,
        closed=closed,
        values={
            "consent": consent.pk,
            "task": task.pk,
            "intervention": intervention.pk,
            "note": note.pk,
            "flag": flag.pk,
            "activity": activity().pk,
            "category": MoveCategory.objects.get(code="praktik_arbetsprovning").pk,
            "referral_received": received.pk,
            "referral_ready": ready.pk,
            "referral_allocated": allocated.pk,
            "week_start": week_monday(today),
            **_employer_world(owner, active),
            **_matching_world(active),
        },
    )


# Tables that change on reads or with the login itself, not with a form.
IGNORED_TABLES = {"django_session", "axes_accesslog", "axes_accessattempt", "axes_accessfailurelog"}


def _counted_models():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.db_table not in IGNORED_TABLES and m is not AuditEvent and m._meta.managed
    ]


def _row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    models = _counted_models()
    quote = connection.ops.quote_name
    # Table names come from the models, not from input.
    selects = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        counts = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, counts, strict=True)}


def _writes() -> int:
    """Audit events that record a write (reads and refusals are not)."""
    return AuditEvent.objects.exclude(
        action__in=[AuditEvent.Action.VIEW, AuditEvent.Action.DENIED]
    ).count()


def _submission(target: Target, world: World):
    """Either a valid submission with a few fields changed or left out, or
    every field drawn at random; random extra fields in both."""
    valid = target.valid(world)
    names = sorted(valid) or ["x"]
    random_fields = st.fixed_dictionaries(
        {name: st.one_of(st.just(valid.get(name, "")), VALUE, st.none()) for name in names}
    )
    nearly_valid = st.dictionaries(
        st.sampled_from(names), st.one_of(VALUE, st.none()), max_size=2
    ).map(lambda changes: {**valid, **changes})
    strategies = {"fields": st.one_of(nearly_valid, random_fields), "extra": EXTRA}
    if target.files:
        strategies["files"] = st.fixed_dictionaries(
            {name: st.one_of(st.none(), st.tuples(FILE_NAMES, FILES)) for name in target.files}
        )
    return st.fixed_dictionaries(strategies)


# Set to a list to see which answers the fuzzing got (tuning the strategies).
STATUS_LOG: list | None = None


def _client(world: World, role: str) -> Client:
    if role == "anonymous":
        return Client()
    return client_for(world.users[role])


def _valid_workbook() -> bytes:
    """The world's goal document, its people renamed to new personnummer:
    a workbook that imports."""
    buffer = io.BytesIO()
    export_workbook(Participant.objects.all(), buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=1).value = next_personnummer()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "target", TARGETS, ids=[f"{t.method}-{t.url_name}-{t.role}" for t in TARGETS]
)
def test_it_never_fails_nor_saves_half(db, settings_override, target):
    # Two-factor login on only for its own views: with it on, every other
    # page sends a user without a device to the setup.
    settings_override.RATTINSATS_REQUIRE_2FA = target.url_name.startswith("two_factor")
    world = _build_world()
    if target.setup:
        target.setup(world)
    url = reverse(target.url_name, kwargs=target.kwargs(world))
    workbook = _valid_workbook() if "file" in target.files else None

    @hypothesis_settings(
        max_examples=target.examples * FUZZ_FACTOR,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(data=_submission(target, world), use_valid_file=st.booleans())
    def fuzz(data, use_valid_file):
        payload = {k: v for k, v in data["fields"].items() if v is not None}
        payload.update({k: v for k, v in data["extra"].items() if k not in payload})
        for name, upload in (data.get("files") or {}).items():
            if upload is None:
                continue
            filename, content = upload
            if workbook is not None and use_valid_file:
                filename, content = "maldokument.xlsx", workbook
            payload[name] = SimpleUploadedFile(filename, content)
        with transaction.atomic():
            client = _client(world, target.role)
            if target.session:
                session = client.session
                session.update(target.session(world))
                session.save()
            before, writes = _row_counts(), _writes()
            if target.method == "get":
                response = client.get(url, payload)
            else:
                response = client.post(url, payload)
            status = response.status_code
            if STATUS_LOG is not None:
                STATUS_LOG.append((target.url_name, status))
            assert status < 500, status
            after = _row_counts()
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            if status in (301, 302):
                # A success: if anything was saved, it was saved whole, with
                # the audit event of its service.
                if changed:
                    assert _writes() > writes, changed
            else:
                assert changed == {}, (status, changed)
            transaction.set_rollback(True)

    fuzz()


@pytest.fixture
def settings_override(settings, private_media):
    """Uploads into a temporary folder; wrong two-factor codes without a wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def test_it_fuzzes_every_form_view(db):
    """Every URL that accepts a POST (answers something else than 404 or 405
    to one of the roles) has a target above."""
    world = _build_world()
    roles = ["owner", "officer", "counsellor", "steering", "administrator"]
    kwargs = {
        "pk": world.active.pk,
        "consent_pk": world.values["consent"],
        "task_pk": world.values["task"],
        "intervention_pk": world.values["intervention"],
        "note_pk": world.values["note"],
        "flag_pk": world.values["flag"],
        "org_pk": organisation("ekonomiskt_bistand").pk,
        "version": 1,
        **_week(world),
        "employer_pk": world.values["employer"],
        "person_pk": world.values["person"],
        "order_pk": world.values["order"],
        "placement_pk": world.values["placement"],
        "match_pk": world.values["match"],
        # Digital consent: no link or signing order exists in this world.
        "link_pk": 999999,
        "token": "x" * 43,
    }
    accepting = set()
    for name, pattern in _named_urls():
        if name.startswith(EXCLUDED_PREFIXES) or name in EXCLUDED:
            continue
        wanted = {k: kwargs[k] for k in pattern.pattern.regex.groupindex}
        if name.startswith("referrals:") and "pk" in wanted:
            wanted["pk"] = world.values["referral_received"]
        if name.startswith("file_job") and "pk" in wanted:
            wanted["pk"] = uuid.uuid4()  # a background job's id (GET only)
        url = reverse(name, kwargs=wanted)
        for role in roles:
            with transaction.atomic():
                response = _client(world, role).post(url, {})
                transaction.set_rollback(True)
            if response.status_code not in (404, 405):
                accepting.add(name)
                break
    accepting.add("login")  # anonymous only
    assert sorted(accepting - POST_VIEWS) == []


def test_it_refuses_an_id_beyond_the_integer_range_as_a_choice(owner, participant):
    """Found by the fuzzing: a huge id among the organisations was a server
    error (the database driver refuses the number)."""
    consents = participant.consents.count()
    response = client_for(owner).post(
        reverse("participants:consents", args=[participant.pk]),
        {
            "organisations": ["1", "9" * 30],
            "signed_on": "2026-01-01",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert participant.consents.count() == consents
