"""Matching participants against job orders: the rules, the proposals and
the match's steps (confirm, dismiss, present with consent, outcome)."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from stdnum import luhn

from employers import matching
from employers.matching import (
    Candidate,
    PresentationConsentMissing,
    StaleMatch,
    fit_of,
    languages_in,
    licences_in,
    order_terms,
    words_match,
    words_of,
)
from employers.models import Employer, JobOrder, Match, Placement, SupportForm
from mapping.models import GoalDocument, MappingDocument
from participants.models import Participant
from participants.services import consent_withdraw
from rattinsats.models import AuditEvent
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

_numbers = itertools.count(1)


def organisation_number() -> str:
    """A made-up, check-digit-valid organisation number (552…: no real
    company's series)."""
    body = f"552{next(_numbers):06d}"
    digits = body + luhn.calc_check_digit(body)
    return f"{digits[:6]}-{digits[6:]}"


def employer(created_by, name="Lagerbolaget Test AB") -> Employer:
    return Employer.objects.create(
        organisation_number=organisation_number(), name=name, created_by=created_by
    )


def job_order(created_by, **fields) -> JobOrder:
    fields.setdefault("employer", employer(created_by))
    fields.setdefault("occupation", "Lagerarbetare")
    fields.setdefault("requirements", "B-körkort.")
    fields.setdefault("support_form", SupportForm.NYSTARTSJOBB)
    return JobOrder.objects.create(created_by=created_by, **fields)


def documents(participant, *, goal="", licences="", languages="", direction="arbete", **more):
    MappingDocument.objects.create(
        participant=participant,
        goal=goal,
        goal_direction=direction,
        licences=licences,
        languages=languages,
        **more,
    )
    GoalDocument.objects.create(participant=participant, goal=goal)
    return participant


def candidate(**fields) -> Candidate:
    values = {
        "participant_id": 1,
        "goal_text": "",
        "experience_text": "",
        "studies_direction": False,
        "licences_text": "",
        "languages_text": "",
    }
    values.update(fields)
    return Candidate(**values)


class _Order:
    """What order_terms reads of an order, without the database."""

    def __init__(self, occupation, requirements="", ssyk_code=""):
        self.occupation, self.requirements, self.ssyk_code = occupation, requirements, ssyk_code


# --- The rules ----------------------------------------------------------------


def test_words_drop_filler_and_keep_trades():
    assert words_of("Vill arbeta inom lager eller handel.") == {"lager", "handel"}
    assert words_of("Lagerarbetare, heltid") == {"lagerarbetare"}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("lager", "lagerarbetare", True),
        ("kock", "kockar", True),
        ("lager", "lager", True),
        ("bil", "bilmekaniker", False),  # three letters: too short to begin a compound
        ("handel", "hantverk", False),
    ],
)
def test_words_match_on_the_trade_a_compound_begins_with(a, b, same):
    assert words_match(a, b) is same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B-körkort", {"B"}),
        ("Körkort B och truckkort A+B", {"B", "truckkort"}),
        ("körkort klass C", {"C", "C1", "B"}),
        ("CE-körkort, YKB", {"CE", "C", "C1", "C1E", "BE", "B", "YKB"}),
        ("Har körkort", {"B"}),
        ("Saknar körkort", set()),
        ("Inget körkort ännu", set()),
        ("", set()),
    ],
)
def test_licences_are_read_from_the_mapping(text, expected):
    assert licences_in(text) == expected


def test_languages_are_read_by_name():
    assert languages_in("Arabiska (modersmål), svenska grundläggande") == {"arabiska", "svenska"}


def test_an_order_splits_requirements_from_merits():
    terms = order_terms(
        _Order("Lagerarbetare", "B-körkort. Svenska i tal och skrift. Arabiska är meriterande.")
    )
    assert terms.licences_required == {"B"}
    assert terms.languages_required == {"svenska"}
    assert terms.languages_merit == {"arabiska"}
    assert "lagerarbetare" in terms.words
    assert not {"svenska", "körkort", "arabiska"} & terms.words


def test_the_reason_names_the_goal_word_and_the_licence():
    fit = fit_of(
        order_terms(_Order("Lagerarbetare", "B-körkort")),
        candidate(goal_text="Arbete på lager", licences_text="B-körkort"),
    )
    assert fit is not None
    assert fit.reason == "Målet nämner 'lager'; har B-körkort"


def test_the_ssyk_group_brings_its_words():
    terms = order_terms(_Order("Medarbetare", ssyk_code="9111"))
    fit = fit_of(terms, candidate(goal_text="Jobba med städning"))
    assert fit is not None and "'städning'" in fit.reason


def test_experience_counts_when_the_goal_does_not_say():
    fit = fit_of(
        order_terms(_Order("Butikssäljare", ssyk_code="5230")),
        candidate(goal_text="Ett jobb nära hemmet", experience_text="Har arbetat inom handel."),
    )
    assert fit is not None and fit.reason.startswith("erfarenheten nämner 'handel'")


def test_no_word_in_common_means_no_proposal():
    terms = order_terms(_Order("Lagerarbetare"))
    assert fit_of(terms, candidate(goal_text="Arbete inom restaurang")) is None


def test_a_goal_of_studies_is_not_proposed_for_a_job():
    terms = order_terms(_Order("Lagerarbetare"))
    assert fit_of(terms, candidate(goal_text="lager", studies_direction=True)) is None


def test_a_licence_the_mapping_does_not_list_excludes():
    terms = order_terms(_Order("Lagerarbetare", "B-körkort"))
    assert fit_of(terms, candidate(goal_text="lager", licences_text="Saknar körkort")) is None
    assert fit_of(terms, candidate(goal_text="lager", licences_text="Truckkort")) is None


def test_a_licence_not_mapped_at_all_is_proposed_for_staff_to_ask():
    terms = order_terms(_Order("Lagerarbetare", "B-körkort"))
    fit = fit_of(terms, candidate(goal_text="lager"))
    assert fit is not None and "B-körkort inte kartlagt" in fit.reason


def test_a_higher_class_carries_the_lower():
    terms = order_terms(_Order("Lagerarbetare", "B-körkort"))
    fit = fit_of(terms, candidate(goal_text="lager", licences_text="CE-körkort"))
    assert fit is not None and "har B-körkort" in fit.reason


def test_languages_required_and_merits():
    terms = order_terms(_Order("Kock", "Svenska. Arabiska meriterande."))
    spoken = candidate(goal_text="kock", languages_text="Svenska, arabiska")
    fit = fit_of(terms, spoken)
    assert fit is not None
    assert "talar svenska" in fit.reason and "talar arabiska (meriterande)" in fit.reason
    assert fit_of(terms, candidate(goal_text="kock", languages_text="Engelska")) is None
    # The preferred language counts as spoken.
    by_preference = candidate(goal_text="kock", languages_text="", preferred_language="svenska")
    assert fit_of(terms, by_preference) is not None


# --- Proposals ----------------------------------------------------------------


@pytest.fixture
def order(owner):
    ensure_reference_data()
    return job_order(owner)


@pytest.fixture
def fits(owner):
    return documents(
        ParticipantFactory(responsible=owner, first_name="Lina"),
        goal="Arbete på lager",
        licences="B-körkort",
    )


@pytest.mark.django_db
def test_it_proposes_fitting_active_participants_with_their_reason(owner, order, fits):
    # Not proposed: no goal in common, studies, closed, someone else's.
    documents(ParticipantFactory(responsible=owner), goal="Arbete inom restaurang")
    documents(ParticipantFactory(responsible=owner), goal="lager", direction="studier")
    closed = documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    Participant.objects.filter(pk=closed.pk).update(
        status=Participant.Status.CLOSED, end_date=timezone.localdate()
    )
    documents(ParticipantFactory(), goal="lager", licences="B-körkort")

    result = matching.match_propose(actor=owner, job_order=order)

    assert [m.participant for m in result.created] == [fits]
    match = Match.objects.get()
    assert match.status == Match.Status.PROPOSED
    assert match.reason == "Målet nämner 'lager'; har B-körkort"
    assert AuditEvent.objects.filter(
        action="create", object_type="employers.match", participant_id=fits.pk
    ).exists()
    # Running it again changes nothing.
    again = matching.match_propose(actor=owner, job_order=order)
    assert again.created == [] and again.removed == 0 and Match.objects.count() == 1


@pytest.mark.django_db
def test_someone_in_an_employment_is_not_proposed(owner, order, fits):
    Placement.objects.create(
        participant=fits,
        employer=order.employer,
        kind=Placement.Kind.EMPLOYMENT,
        start_date=timezone.localdate() - datetime.timedelta(days=3),
        created_by=owner,
    )
    assert matching.match_propose(actor=owner, job_order=order).created == []


@pytest.mark.django_db
def test_a_proposal_that_no_longer_fits_is_removed(owner, order, fits):
    matching.match_propose(actor=owner, job_order=order)
    MappingDocument.objects.filter(participant=fits).update(goal="Restaurang")
    GoalDocument.objects.filter(participant=fits).update(goal="Restaurang")
    result = matching.match_propose(actor=owner, job_order=order)
    assert result.removed == 1 and not Match.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="employers.match").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"status": JobOrder.Status.FILLED},
        {"apply_by": datetime.date(2020, 1, 1)},
    ],
)
def test_it_proposes_only_for_an_open_order(owner, order, fits, change):
    JobOrder.objects.filter(pk=order.pk).update(**change)
    order.refresh_from_db()
    with pytest.raises(ValidationError):
        matching.match_propose(actor=owner, job_order=order)
    assert not Match.objects.exists()


@pytest.mark.django_db
def test_only_the_project_team_runs_the_rules(counsellor, order):
    with pytest.raises(PermissionDenied):
        matching.match_propose(actor=counsellor, job_order=order)


@pytest.mark.django_db
def test_the_candidates_are_read_in_one_query_however_many(owner, order, django_assert_num_queries):
    today = timezone.localdate()
    for _ in range(3):
        documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    # One query: the candidates with their documents, those already on the
    # order and those in an employment left out by subqueries. The content
    # type the visibility rule looks up is cached by the first call.
    matching.proposals_for_order(owner, order, today)
    with django_assert_num_queries(1):
        assert len(matching.proposals_for_order(owner, order, today)) == 3
    for _ in range(5):
        documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    with django_assert_num_queries(1):
        assert len(matching.proposals_for_order(owner, order, today)) == 8


@pytest.mark.django_db
def test_a_participant_sees_the_open_orders_that_fit(owner, order, fits, django_assert_num_queries):
    job_order(owner, occupation="Kock", requirements="")
    job_order(owner, status=JobOrder.Status.WITHDRAWN)
    with django_assert_num_queries(2):  # the participant's documents, the orders
        found = matching.proposals_for_participant(fits, timezone.localdate())
    assert [s.order for s in found] == [order]
    assert found[0].fit.reason == "Målet nämner 'lager'; har B-körkort"


# --- The steps ------------------------------------------------------------------


@pytest.fixture
def proposed(owner, order, fits):
    matching.match_propose(actor=owner, job_order=order)
    return Match.objects.get()


def covering_consent(participant, **fields):
    return ConsentFactory(participant=participant, covers_employer_presentation=True, **fields)


@pytest.mark.django_db
def test_confirm_present_and_hire_as_nystartsjobb(owner, proposed, fits):
    ensure_reference_data()
    consent = covering_consent(fits)
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    assert match.status == Match.Status.CONFIRMED and match.confirmed_by == owner

    match = matching.match_present(actor=owner, match=match, version=match.version)
    assert match.status == Match.Status.PRESENTED
    assert match.consent == consent and match.presented_by == owner
    event = AuditEvent.objects.get(action="export", object_type="employers.match")
    assert event.participant_id == fits.pk
    assert f"samtycke {consent.pk}" in event.detail

    match = matching.match_outcome(
        actor=owner, match=match, version=match.version, status=Match.Status.INTERVIEW
    )
    start = timezone.localdate()
    match = matching.match_outcome(
        actor=owner,
        match=match,
        version=match.version,
        status=Match.Status.HIRED,
        placement_start=start,
    )
    assert match.status == Match.Status.HIRED and match.outcome_at is not None
    placement = Placement.objects.get(participant=fits)
    assert placement.kind == Placement.Kind.EMPLOYMENT
    assert placement.support_form == SupportForm.NYSTARTSJOBB
    assert placement.employer == match.job_order.employer
    assert placement.job_order == match.job_order
    assert placement.start_date == start
    assert AuditEvent.objects.filter(action="create", object_type="employers.placement").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "consent_kind", ["none", "not_covering", "withdrawn", "expired", "not_yet_signed"]
)
def test_a_presentation_needs_a_valid_consent_that_covers_it(owner, proposed, fits, consent_kind):
    today = timezone.localdate()
    if consent_kind == "not_covering":
        ConsentFactory(participant=fits)
    elif consent_kind == "withdrawn":
        consent_withdraw(actor=owner, consent=covering_consent(fits))
    elif consent_kind == "expired":
        covering_consent(
            fits,
            signed_on=today - datetime.timedelta(days=400),
            valid_until=today - datetime.timedelta(days=1),
        )
    elif consent_kind == "not_yet_signed":
        covering_consent(
            fits,
            signed_on=today + datetime.timedelta(days=1),
            valid_until=today + datetime.timedelta(days=300),
        )
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    with pytest.raises(PresentationConsentMissing) as refused:
        matching.match_present(actor=owner, match=match, version=match.version)
    assert "samtycke som omfattar presentation för arbetsgivare" in refused.value.messages[0]
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED
    assert match.presented_at is None and match.consent is None
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_a_step_out_of_order_is_refused(owner, proposed, fits):
    covering_consent(fits)
    with pytest.raises(ValidationError):
        matching.match_present(actor=owner, match=proposed, version=proposed.version)
    with pytest.raises(ValidationError):
        matching.match_outcome(
            actor=owner, match=proposed, version=proposed.version, status=Match.Status.HIRED
        )
    dismissed = matching.match_dismiss(actor=owner, match=proposed, version=proposed.version)
    with pytest.raises(ValidationError):
        matching.match_confirm(actor=owner, match=dismissed, version=dismissed.version)
    # A dismissed proposal is not made again.
    assert matching.match_propose(actor=owner, job_order=proposed.job_order).created == []


@pytest.mark.django_db
def test_a_stale_page_changes_nothing(owner, proposed):
    matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    with pytest.raises(StaleMatch):
        matching.match_dismiss(actor=owner, match=proposed, version=proposed.version)
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CONFIRMED


@pytest.mark.django_db
def test_staff_who_may_not_change_the_case_are_refused(teammate, proposed):
    with pytest.raises(PermissionDenied):
        matching.match_confirm(actor=teammate, match=proposed, version=proposed.version)


@pytest.mark.django_db
def test_a_placement_is_only_for_a_hire(owner, proposed, fits):
    covering_consent(fits)
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    match = matching.match_present(actor=owner, match=match, version=match.version)
    with pytest.raises(ValidationError):
        matching.match_outcome(
            actor=owner,
            match=match,
            version=match.version,
            status=Match.Status.NOT_CHOSEN,
            placement_start=timezone.localdate(),
        )
    assert not Placement.objects.exists()
    match.refresh_from_db()
    assert match.status == Match.Status.PRESENTED


@pytest.mark.django_db
def test_a_hire_before_the_participation_began_is_refused_whole(owner, proposed, fits):
    covering_consent(fits)
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    match = matching.match_present(actor=owner, match=match, version=match.version)
    with pytest.raises(ValidationError) as refused:
        matching.match_outcome(
            actor=owner,
            match=match,
            version=match.version,
            status=Match.Status.HIRED,
            placement_start=fits.start_date - datetime.timedelta(days=1),
        )
    assert "placement_start" in refused.value.message_dict
    match.refresh_from_db()
    assert match.status == Match.Status.PRESENTED and not Placement.objects.exists()


@pytest.mark.django_db
def test_staff_add_their_participant_by_hand(owner, order):
    someone = documents(ParticipantFactory(responsible=owner), goal="Restaurang")
    match = matching.match_add(actor=owner, job_order=order, participant=someone, note="Vill prova")
    assert match.status == Match.Status.CONFIRMED
    assert match.reason == "Tillagd av projektmedarbetare; Vill prova"
    with pytest.raises(ValidationError):
        matching.match_add(actor=owner, job_order=order, participant=someone)


@pytest.mark.django_db
def test_the_order_shows_others_participants_only_as_a_count(owner, teammate, order, fits):
    matching.match_propose(actor=owner, job_order=order)
    seen_by_owner = matching.matches_for_order(owner, order)
    assert [m.participant for m in seen_by_owner.mine] == [fits]
    seen_by_teammate = matching.matches_for_order(teammate, order)
    assert seen_by_teammate.mine == [] and seen_by_teammate.others_total == 1
