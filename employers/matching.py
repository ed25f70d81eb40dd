"""Matching participants against job orders (*matchning mot jobborder*).

The proposal engine is a set of transparent rules, each of which a staff
member can check by reading the order and the participant's mapping:

- **Goal.** The words of the order's occupation, its requirements and the
  words of its SSYK group are compared with the words of the participant's
  goal (goal document and mapping document) and their education and
  experience. Words are lower-cased, split on anything that is not a
  letter, and filler words are dropped; two words match when they are equal
  or when the shorter, of at least four letters, begins the longer
  (Swedish compounds put the trade first: *lager* — *lagerarbetare*). A
  participant whose mapping points towards studies is not proposed for a
  job. At least one goal or experience word must match.
- **Driving licences and cards** (``B-körkort``, ``körkort C``, truck
  card, YKB) the order requires are looked for in the mapping's licences;
  a higher class carries the lower ones (CE → C → B). A participant whose
  mapping lists licences without the one required is not proposed; one
  whose mapping says nothing about licences is proposed with "inte
  kartlagt" in the reason, for staff to ask.
- **Languages** the order requires are looked for in the mapping's
  languages and the participant's preferred language, by the same rule.
  What the order only calls *meriterande* is mentioned, never required.
- **Availability.** Only active participations, without an employment
  placement going on today, for an order that is open and whose last day to
  apply has not passed.

Each proposal carries its reason in Swedish ("Målet nämner 'lager'; har
B-körkort"). Candidates are read in one query (goal and mapping documents
joined), whatever their number.

The rest of the module is the match's life after the proposal, each write
a service (permission check, transaction, audit event): confirm or dismiss,
present to the employer (only under a valid consent that covers it; the
consent is kept on the match), then the outcome: interview, hired (which
can start the employment placement) or not chosen. Nothing is ever sent to
the employer through the app: a presentation is made by staff, and only
recorded here.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mapping.models import GoalDirection
from participants.models import Consent, Participant
from participants.selectors import participant_require_change, participants_visible_to
from rattinsats.audit import Action, audit_log
from rattinsats.models import User

from .models import JobOrder, Match, Placement
from .services import placement_create

# --- Words -----------------------------------------------------------------

# Words that say nothing about a trade: function words, and the words goals
# and orders are written with ("vill arbeta inom …", "erfarenhet av …").
FILLER_WORDS = frozenset(
    """
    att av bli blir de den det dig du där efter eller en ett finns från för
    har hon han hos i in inom inte jag kan med men mot mycket någon något när
    och om på sig sin sina ska som till under upp ut utan vara vi vid vill är
    även åt över

    arbeta arbetar arbetat arbetade arbete arbeten jobb jobba jobbar jobbat
    jobbade jobbet tjänst tjänsten prova provat
    heltid deltid tillsvidare visstid vikariat sommarjobb anställning
    erfarenhet erfarenheter kunskap kunskaper krav kräver krävs god goda
    bra mycket gärna meriterande merit önskvärt fördel plus minst år
    person personen personer sökande söker gillar trivs ansvar ansvarsfull
    noggrann noggrannhet flexibel positiv samarbeta samarbete kollegor
    få ha mål målet framtiden längre sikt egen eget försörjning
    grundskola gymnasium gymnasiet utbildning extra
    """.split()
)

# The second part of many job titles: matching on it alone would pair any
# "lagerarbetare" with any "fabriksarbetare".
GENERIC_TITLE_WORDS = frozenset(
    "arbetare medarbetare biträde biträden personal assistent assistenter "
    "medhjälpare hjälpreda anställd anställda".split()
)

_WORD = re.compile(r"[^\W\d_]+")

MIN_PREFIX = 4


def words_of(text: str) -> set[str]:
    """The trade words of a text (see the module's rules)."""
    return {
        w
        for w in _WORD.findall((text or "").lower())
        if len(w) >= 3 and w not in FILLER_WORDS and w not in GENERIC_TITLE_WORDS
    }


def words_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_PREFIX and long.startswith(short)


# A few SSYK 2012 occupational groups common in the programme, with the
# words a participant's goal uses for them. An order with another code is
# matched on its occupation and requirements alone.
SSYK_WORDS: dict[str, tuple[str, ...]] = {
    "4321": ("lager", "terminal", "truck", "logistik"),
    "5120": ("kock", "kök", "restaurang"),
    "5230": ("kassa", "butik", "handel"),
    "5311": ("barnskötare", "förskola", "barn"),
    "8331": ("buss", "busschaufför", "chaufför"),
    "8332": ("lastbil", "chaufför", "transport"),
    "9111": ("städ", "städning", "lokalvård"),
    "9412": ("restaurang", "kök", "disk", "café"),
}


# --- Licences and languages -------------------------------------------------

LICENCE_CLASSES = ("AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE")
# A class that carries others: the lower classes are required to get it.
LICENCE_IMPLIES: dict[str, tuple[str, ...]] = {
    "BE": ("B",),
    "C1": ("B",),
    "C1E": ("C1", "BE", "B"),
    "C": ("C1", "B"),
    "CE": ("C", "C1", "C1E", "BE", "B"),
    "D1": ("B",),
    "D1E": ("D1", "BE", "B"),
    "D": ("D1", "B"),
    "DE": ("D", "D1", "D1E", "BE", "B"),
}
TRUCK = "truckkort"
YKB = "YKB"

_CLASS = r"(am|a1|a2|a|be|b|c1e|c1|ce|c|d1e|d1|de|d)"
_CLASS_BEFORE = re.compile(rf"\b{_CLASS}\s*[- ]?\s*körkort", re.IGNORECASE)
_CLASS_AFTER = re.compile(rf"körkort\s*(?:klass\s*|behörighet\s*)?\(?\s*{_CLASS}\b", re.IGNORECASE)
_ANY_LICENCE = re.compile(r"\bkörkort", re.IGNORECASE)
_TRUCK = re.compile(r"\btruck(?:kort|körkort|behörighet|utbildning|licens)", re.IGNORECASE)
_YKB = re.compile(r"\bykb\b|yrkeskompetensbevis", re.IGNORECASE)
_NEGATION = re.compile(r"\b(inget|ingen|inga|saknar|ej|inte|utan|ännu)\b", re.IGNORECASE)
_MERIT = re.compile(r"meriterande|merit|önskvärt|önskas|fördel|\bplus\b", re.IGNORECASE)
_CLAUSES = re.compile(r"[,.;:\n•]+|\boch\b|\bsamt\b", re.IGNORECASE)

# Languages by their Swedish name, as mapping documents and orders write them.
LANGUAGES = (
    "albanska amhariska arabiska armeniska assyriska bengali bosniska bulgariska danska "
    "dari engelska estniska finska franska georgiska grekiska hindi isländska italienska "
    "japanska kinesiska koreanska kroatiska kurdiska lettiska litauiska mongoliska "
    "nederländska norska oromo pashto persiska polska portugisiska punjabi romani "
    "rumänska ryska serbiska somaliska spanska swahili svenska syrianska tamil "
    "teckenspråk thailändska tigrinja tjeckiska turkiska tyska ukrainska ungerska urdu "
    "uzbekiska vietnamesiska"
).split()
_LANGUAGE = re.compile(r"\b(" + "|".join(LANGUAGES) + r")\b", re.IGNORECASE)


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSES.split(text or "") if c.strip()]


def licences_in(text: str) -> set[str]:
    """The licences and cards a text says someone has (a clause that
    negates, "saknar körkort", gives none); an unqualified *körkort* is B."""
    found: set[str] = set()
    for clause in _clauses(text):
        if _NEGATION.search(clause):
            continue
        found |= _licences_of_clause(clause)
    return _with_implied(found)


def _licences_of_clause(clause: str) -> set[str]:
    found = {m.upper() for m in _CLASS_BEFORE.findall(clause)}
    found |= {m.upper() for m in _CLASS_AFTER.findall(clause)}
    if not found and _ANY_LICENCE.search(clause):
        found.add("B")
    if _TRUCK.search(clause):
        found.add(TRUCK)
    if _YKB.search(clause):
        found.add(YKB)
    return found


def _with_implied(licences: set[str]) -> set[str]:
    result = set(licences)
    for licence in licences:
        result.update(LICENCE_IMPLIES.get(licence, ()))
    return result


def languages_in(text: str) -> set[str]:
    return {m.lower() for m in _LANGUAGE.findall(text or "")}


def licence_label(licence: str) -> str:
    if licence == TRUCK:
        return "truckkort"
    if licence == YKB:
        return "YKB"
    return f"{licence}-körkort"


# --- The order and the candidate ---------------------------------------------


@dataclass(frozen=True)
class OrderTerms:
    """What the rules read of a job order."""

    words: frozenset[str]
    licences_required: frozenset[str]
    licences_merit: frozenset[str]
    languages_required: frozenset[str]
    languages_merit: frozenset[str]


def order_terms(order: JobOrder) -> OrderTerms:
    required_licences: set[str] = set()
    merit_licences: set[str] = set()
    required_languages: set[str] = set()
    merit_languages: set[str] = set()
    requirement_words: set[str] = set()
    for clause in _clauses(f"{order.occupation}\n{order.requirements}"):
        licences = _licences_of_clause(clause)
        languages = languages_in(clause)
        if _MERIT.search(clause):
            merit_licences |= licences
            merit_languages |= languages
        else:
            required_licences |= licences
            required_languages |= languages
        # A licence's or language's own words are matched by their rules.
        requirement_words |= {
            w
            for w in words_of(clause)
            if w not in languages
            and not w.startswith(("körkort", "truck", "ykb"))
            and w.upper() not in LICENCE_CLASSES
        }
    ssyk = set(SSYK_WORDS.get(order.ssyk_code, ()))
    return OrderTerms(
        words=frozenset(requirement_words | ssyk),
        licences_required=frozenset(required_licences),
        licences_merit=frozenset(merit_licences - required_licences),
        languages_required=frozenset(required_languages),
        languages_merit=frozenset(merit_languages - required_languages),
    )


@dataclass(frozen=True)
class Candidate:
    """What the rules read of a participant: their goal texts, experience,
    licences and languages (as the mapping and goal documents record them)."""

    participant_id: int
    goal_text: str
    experience_text: str
    studies_direction: bool
    licences_text: str
    languages_text: str
    preferred_language: str = ""


@dataclass(frozen=True)
class Fit:
    reason: str
    score: int
    parts: tuple[str, ...] = field(default=())


def _matching_words(candidate_words: set[str], order_words: frozenset[str]) -> list[str]:
    """The candidate's words that match a word of the order, in a stable
    order (longest first: the most telling)."""
    hits = {w for w in candidate_words for o in order_words if words_match(w, o)}
    return sorted(hits, key=lambda w: (-len(w), w))


def fit_of(terms: OrderTerms, candidate: Candidate) -> Fit | None:
    """The candidate's fit to the order, with its reason; None when the
    rules do not propose them."""
    if candidate.studies_direction:
        return None
    goal_hits = _matching_words(words_of(candidate.goal_text), terms.words)
    experience_hits = [
        w
        for w in _matching_words(words_of(candidate.experience_text), terms.words)
        if w not in goal_hits
    ]
    if not goal_hits and not experience_hits:
        return None
    parts: list[str] = []
    score = 0
    if goal_hits:
        parts.append("Målet nämner " + _quoted(goal_hits[:3]))
        score += 3 * len(goal_hits)
    if experience_hits:
        parts.append("erfarenheten nämner " + _quoted(experience_hits[:3]))
        score += len(experience_hits)

    # Driving licences, then languages, by the same rule: a required one
    # held scores 2, a merit one 1; a required one missing where the mapping
    # records any is no proposal, where it records none "inte kartlagt".
    spoken_text = f"{candidate.languages_text}\n{candidate.preferred_language}"
    for required, merit, text, found, verb, label in (
        (
            terms.licences_required,
            terms.licences_merit,
            candidate.licences_text,
            licences_in,
            "har",
            licence_label,
        ),
        (terms.languages_required, terms.languages_merit, spoken_text, languages_in, "talar", str),
    ):
        held = found(text)
        for name in sorted(required):
            if name in held:
                parts.append(f"{verb} {label(name)}")
                score += 2
            elif text.strip():
                return None
            else:
                parts.append(f"{label(name)} inte kartlagt")
        for name in sorted(merit & held):
            parts.append(f"{verb} {label(name)} (meriterande)")
            score += 1
    return Fit(reason="; ".join(parts), score=score, parts=tuple(parts))


def _quoted(words: list[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " och " + quoted[-1]


# --- Reading candidates -----------------------------------------------------


def employment_ongoing(today: datetime.date) -> Exists:
    """For ``annotate``/``filter`` on participants: an employment placement
    that has begun and not ended."""
    return Exists(
        Placement.objects.filter(
            participant=OuterRef("pk"),
            kind=Placement.Kind.EMPLOYMENT,
            start_date__lte=today,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    )


def order_is_open(order: JobOrder, today: datetime.date) -> bool:
    return order.status == JobOrder.Status.OPEN and (
        order.apply_by is None or order.apply_by >= today
    )


def orders_open(today: datetime.date) -> QuerySet[JobOrder]:
    return JobOrder.objects.filter(status=JobOrder.Status.OPEN).filter(
        Q(apply_by__isnull=True) | Q(apply_by__gte=today)
    )


def available_participants(user, today: datetime.date) -> QuerySet[Participant]:
    """The active participations ``user`` may work on that could take a
    job now: not anonymised, no employment going on."""
    return (
        participants_visible_to(user)
        .filter(status=Participant.Status.ACTIVE, anonymised_at__isnull=True)
        .exclude(employment_ongoing(today))
    )


def _candidate(p: Participant) -> Candidate:
    mapping = getattr(p, "mapping_document", None)
    goal = getattr(p, "goal_document", None)
    return Candidate(
        participant_id=p.pk,
        goal_text="\n".join(
            t for t in (goal.goal if goal else "", mapping.goal if mapping else "") if t
        ),
        experience_text=mapping.education_experience if mapping else "",
        studies_direction=bool(mapping and mapping.goal_direction == GoalDirection.STUDIES),
        licences_text=mapping.licences if mapping else "",
        languages_text=mapping.languages if mapping else "",
        preferred_language=p.preferred_language,
    )


def _with_documents(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    # Documents of anyone may not exist: select_related of a reverse
    # one-to-one answers None then, still in the one query.
    return qs.select_related("mapping_document", "goal_document", "responsible")


@dataclass
class Proposal:
    participant: Participant
    fit: Fit


def proposals_for_order(user, order: JobOrder, today: datetime.date) -> list[Proposal]:
    """The participants ``user`` may work on that the rules propose for
    ``order`` and that are not on the order yet, best first. One query (the
    candidates with their documents; those on the order or in an
    employment are left out in it), none when the order is not open."""
    if not order_is_open(order, today):
        return []
    terms = order_terms(order)
    candidates = _with_documents(
        available_participants(user, today).exclude(
            Exists(Match.objects.filter(job_order=order, participant=OuterRef("pk")))
        )
    ).order_by("last_name", "first_name", "id")
    proposals = []
    for p in candidates:
        fit = fit_of(terms, _candidate(p))
        if fit is not None:
            proposals.append(Proposal(p, fit))
    proposals.sort(key=lambda pr: -pr.fit.score)
    return proposals


@dataclass
class OrderProposal:
    order: JobOrder
    fit: Fit


def proposals_for_participant(
    participant: Participant, today: datetime.date
) -> list[OrderProposal]:
    """The open orders the rules propose ``participant`` for and that they
    are not on yet, best first: two queries (the participant's documents
    and ongoing employment, then the orders)."""
    row = (
        _with_documents(Participant.objects.filter(pk=participant.pk))
        .annotate(employed=employment_ongoing(today))
        .first()
    )
    if row is None or not row.is_active or row.is_anonymised or row.employed:
        return []
    candidate = _candidate(row)
    orders = (
        orders_open(today)
        .exclude(Exists(Match.objects.filter(job_order=OuterRef("pk"), participant=participant)))
        .select_related("employer")
        .order_by("apply_by", "id")
    )
    found = []
    for order in orders:
        fit = fit_of(order_terms(order), candidate)
        if fit is not None:
            found.append(OrderProposal(order, fit))
    found.sort(key=lambda op: -op.fit.score)
    return found


# --- Services -----------------------------------------------------------------


class StaleMatch(ValidationError):
    """Someone else changed the match after the page was opened."""


def _require_casework(actor) -> None:
    if not (actor.is_authenticated and actor.is_casework):
        raise PermissionDenied


def _require_open(order: JobOrder, today: datetime.date) -> None:
    if order.status != JobOrder.Status.OPEN:
        raise ValidationError(
            _("Ordern är inte öppen (%(status)s).") % {"status": order.get_status_display()}
        )
    if order.apply_by is not None and order.apply_by < today:
        raise ValidationError(
            _("Sista ansökningsdag för ordern har passerat (%(day)s).")
            % {"day": order.apply_by.isoformat()}
        )


@dataclass
class ProposeResult:
    created: list[Match]
    updated: int
    removed: int


@transaction.atomic
def match_propose(*, actor: User, job_order: JobOrder) -> ProposeResult:
    """Run the rules for an open order over the participants ``actor`` may
    work on (project staff): each new fit becomes a proposal with its
    reason; a proposal not yet confirmed gets its reason brought up to date,
    or is removed when the participant no longer fits. Other staff members'
    participants are proposed when they run it. One audit event per
    proposal made or removed."""
    _require_casework(actor)
    today = timezone.localdate()
    _require_open(job_order, today)
    created = []
    for proposal in proposals_for_order(actor, job_order, today):
        match = Match(
            job_order=job_order,
            participant=proposal.participant,
            status=Match.Status.PROPOSED,
            reason=proposal.fit.reason,
        )
        try:
            with transaction.atomic():
                match.save()
        except IntegrityError:
            continue  # someone else proposed them in the meantime
        audit_log(actor=actor, action=Action.CREATE, obj=match, detail="förslag")
        created.append(match)

    # The proposals already there, for the participants the actor sees.
    terms = order_terms(job_order)
    standing = list(
        Match.objects.filter(
            job_order=job_order,
            status=Match.Status.PROPOSED,
            participant__in=participants_visible_to(actor).values("pk"),
        )
        .exclude(pk__in=[m.pk for m in created])
        .select_related(
            "participant", "participant__mapping_document", "participant__goal_document"
        )
    )
    employed = set(
        Participant.objects.filter(pk__in=[m.participant_id for m in standing])
        .filter(employment_ongoing(today))
        .values_list("pk", flat=True)
    )
    updated = removed = 0
    for match in standing:
        p = match.participant
        fit = None
        if p.is_active and not p.is_anonymised and p.pk not in employed:
            fit = fit_of(terms, _candidate(p))
        if fit is None:
            audit_log(actor=actor, action=Action.DELETE, obj=match, detail="förslag passar inte")
            match.delete()
            removed += 1
        elif fit.reason != match.reason:
            match.reason = fit.reason
            match.version += 1
            match.save(update_fields=["reason", "version"])
            audit_log(actor=actor, action=Action.CHANGE, obj=match, detail="förslag")
            updated += 1
    return ProposeResult(created=created, updated=updated, removed=removed)


@transaction.atomic
def match_add(
    *, actor: User, job_order: JobOrder, participant: Participant, note: str = ""
) -> Match:
    """Put a participant on an open order by hand (staff who may change
    the case): confirmed at once, with the rules' reason when they fit and
    the staff member's note."""
    participant_require_change(actor, participant)
    today = timezone.localdate()
    _require_open(job_order, today)
    if not participant.is_active:
        raise ValidationError(_("Deltagandet är avslutat."))
    fit = fit_of(order_terms(job_order), _candidate(_documents_of(participant)))
    reason = "; ".join(
        part
        for part in ("Tillagd av projektmedarbetare", note.strip(), fit.reason if fit else "")
        if part
    )
    now = timezone.now()
    match = Match(
        job_order=job_order,
        participant=participant,
        status=Match.Status.CONFIRMED,
        reason=reason,
        proposed_at=now,
        confirmed_by=actor,
        confirmed_at=now,
    )
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"participant": _("Deltagaren finns redan på den här ordern.")}
        ) from exc
    audit_log(actor=actor, action=Action.CREATE, obj=match, detail="tillagd")
    return match


def _documents_of(participant: Participant) -> Participant:
    return _with_documents(Participant.objects.filter(pk=participant.pk)).get()


# The moves of a match, and the step of each move for the page.
MATCH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Match.Status.PROPOSED: (Match.Status.CONFIRMED, Match.Status.DISMISSED),
    Match.Status.CONFIRMED: (Match.Status.PRESENTED, Match.Status.DISMISSED),
    Match.Status.PRESENTED: (Match.Status.INTERVIEW, Match.Status.HIRED, Match.Status.NOT_CHOSEN),
    Match.Status.INTERVIEW: (Match.Status.HIRED, Match.Status.NOT_CHOSEN),
}
OUTCOMES = (Match.Status.INTERVIEW, Match.Status.HIRED, Match.Status.NOT_CHOSEN)


def match_next_statuses(match: Match) -> tuple[str, ...]:
    return MATCH_TRANSITIONS.get(match.status, ())


def _locked_for(*, actor: User, match: Match, version: int, status: str) -> Match:
    """The match's row, locked, once ``actor`` may change the participant's
    case, nobody changed it since ``version`` and it may move to
    ``status``; a Swedish refusal otherwise."""
    participant_require_change(actor, match.participant)
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related("job_order", "job_order__employer", "participant")
        .get(pk=match.pk)
    )
    if locked.version != version:
        raise StaleMatch(
            _(
                "Matchningen har ändrats av någon annan sedan du öppnade sidan. "
                "Läs in sidan igen och gör din ändring på nytt."
            )
        )
    if status not in MATCH_TRANSITIONS.get(locked.status, ()):
        raise ValidationError(
            _("Matchningen kan inte få status ”%(status)s” nu: den har status ”%(current)s”.")
            % {
                "status": Match.Status(status).label if status in Match.Status.values else status,
                "current": locked.get_status_display(),
            }
        )
    return locked


def _save(locked: Match, fields: list[str]) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])


@transaction.atomic
def match_confirm(*, actor: User, match: Match, version: int) -> Match:
    """Staff confirm the app's proposal: the participant is to be presented."""
    locked = _locked_for(actor=actor, match=match, version=version, status=Match.Status.CONFIRMED)
    locked.status = Match.Status.CONFIRMED
    locked.confirmed_by = actor
    locked.confirmed_at = timezone.now()
    _save(locked, ["status", "confirmed_by", "confirmed_at"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail="bekräftad")
    return locked


@transaction.atomic
def match_dismiss(*, actor: User, match: Match, version: int) -> Match:
    """Staff dismiss a proposal (or a confirmed match not yet presented);
    the rules do not propose the participant for the order again."""
    locked = _locked_for(actor=actor, match=match, version=version, status=Match.Status.DISMISSED)
    locked.status = Match.Status.DISMISSED
    _save(locked, ["status"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail="avfärdad")
    return locked


def presentation_consent(participant: Participant, today: datetime.date) -> Consent | None:
    """The consent, valid today and not withdrawn, that covers presenting
    the participant to employers (the longest lasting); None without one."""
    return (
        participant.consents.filter(
            covers_employer_presentation=True,
            withdrawn_at__isnull=True,
            signed_on__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until", "-id")
        .first()
    )


class PresentationConsentMissing(ValidationError):
    """No valid consent covers presenting the participant to employers."""


@transaction.atomic
def match_present(*, actor: User, match: Match, version: int) -> Match:
    """Record that staff presented the participant to the order's employer
    (by telephone or in person: nothing goes through the app). Refused
    (``PresentationConsentMissing``) unless a consent valid today covers
    presentation to employers; that consent is kept on the match, and the
    presentation is written to the audit trail as an export of the
    participant's data."""
    locked = _locked_for(actor=actor, match=match, version=version, status=Match.Status.PRESENTED)
    today = timezone.localdate()
    if not locked.participant.is_active:
        raise ValidationError(_("Deltagandet är avslutat."))
    _require_open(locked.job_order, today)
    # Locked, so that a withdrawal cannot slip in between check and record.
    consent = presentation_consent(locked.participant, today)
    if consent is not None:
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent is None or not consent.is_valid_on(today):
        raise PresentationConsentMissing(
            _(
                "Deltagaren kan inte presenteras för arbetsgivaren: det finns inget giltigt "
                "samtycke som omfattar presentation för arbetsgivare. Registrera ett sådant "
                "samtycke under fliken Samtycke först."
            )
        )
    locked.status = Match.Status.PRESENTED
    locked.presented_by = actor
    locked.presented_at = timezone.now()
    locked.consent = consent
    _save(locked, ["status", "presented_by", "presented_at", "consent"])
    audit_log(
        actor=actor,
        action=Action.EXPORT,
        obj=locked,
        detail=f"presenterad för arbetsgivare {locked.job_order.employer_id} "
        f"med samtycke {consent.pk}",
    )
    return locked


@transaction.atomic
def match_outcome(
    *,
    actor: User,
    match: Match,
    version: int,
    status: str,
    placement_start: datetime.date | None = None,
    placement_end: datetime.date | None = None,
) -> Match:
    """Record what came of a presentation: interview, hired or not chosen.
    A hire with ``placement_start`` also starts the employment placement at
    the order's employer, with the order's form of support (for instance a
    *nystartsjobb*)."""
    if status not in OUTCOMES:
        raise ValidationError(_("Välj ett utfall."))
    locked = _locked_for(actor=actor, match=match, version=version, status=status)
    if placement_start is not None and status != Match.Status.HIRED:
        raise ValidationError(
            {"placement_start": _("En anställning registreras bara när deltagaren anställs.")}
        )
    locked.status = status
    locked.outcome_at = timezone.now()
    _save(locked, ["status", "outcome_at"])
    audit_log(
        actor=actor,
        action=Action.CHANGE,
        obj=locked,
        detail=f"utfall {status}",
    )
    if status == Match.Status.HIRED and placement_start is not None:
        hire_placement_create(
            actor=actor,
            match=locked,
            start_date=placement_start,
            end_date=placement_end,
        )
    return locked


def hire_placement_create(
    *,
    actor: User,
    match: Match,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> Placement:
    """The employment a hire starts, through the placement service (so the
    intervention and the audit event are the same as from the placement
    form): at the order's employer, with the order's form of support,
    linked to the order. Field errors come back under the hire form's
    names."""
    order = match.job_order
    try:
        return placement_create(
            actor=actor,
            participant=match.participant,
            employer=order.employer,
            kind=Placement.Kind.EMPLOYMENT,
            start_date=start_date,
            end_date=end_date,
            job_order=order,
            support_form=order.support_form,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {"start_date": "placement_start", "end_date": "placement_end"}
        errors: dict[str, list] = {}
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(renamed.get(name, NON_FIELD_ERRORS), []).extend(field_errors)
        raise ValidationError(errors) from exc


# --- Selectors ----------------------------------------------------------------

MATCH_RELATED = ("participant", "confirmed_by", "presented_by", "consent")


@dataclass
class OrderMatches:
    """An order's matches as one user may see them: the participants they
    work on in full, the others only counted (by status)."""

    mine: list[Match]
    others: Counter
    proposals_waiting: int = 0

    @property
    def others_total(self) -> int:
        return sum(self.others.values())


def matches_for_order(user, order: JobOrder) -> OrderMatches:
    """Two queries: the user's matches with their people, and the count of
    the others' by status."""
    visible = participants_visible_to(user).values("pk")
    mine = list(
        order.matches.filter(participant__in=visible)
        .select_related(*MATCH_RELATED)
        .order_by(_status_order(), "-proposed_at", "-id")
    )
    others = Counter(
        dict(
            order.matches.exclude(participant__in=visible)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    )
    return OrderMatches(mine=mine, others=others)


def _status_order() -> Case:
    order = [
        Match.Status.PROPOSED,
        Match.Status.CONFIRMED,
        Match.Status.PRESENTED,
        Match.Status.INTERVIEW,
        Match.Status.HIRED,
        Match.Status.NOT_CHOSEN,
        Match.Status.DISMISSED,
    ]
    return Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def matches_for_participant(participant: Participant) -> list[Match]:
    """Every order the participant was proposed for or presented to, with
    the employer: one query."""
    return list(
        participant.job_matches.select_related(
            "job_order", "job_order__employer", "consent", "presented_by"
        ).order_by("-proposed_at", "-id")
    )


def match_participant_id(user, order_pk: int, match_pk: int) -> int:
    """The participant of an order's match, so that the page fetches the
    participant (and checks access) before the match: 404, with a denied
    event, for a match that does not exist."""
    participant_id = (
        Match.objects.filter(pk=match_pk, job_order_id=order_pk)
        .values_list("participant_id", flat=True)
        .first()
    )
    if participant_id is None:
        audit_log(
            actor=user, action=Action.DENIED, object_type="employers.match", object_id=match_pk
        )
        raise Http404
    return participant_id


def match_of(participant: Participant, match_pk: int) -> Match:
    """The participant's match, with its order and employer (the
    participant already fetched, access checked)."""
    match = Match.objects.select_related(
        "job_order", "job_order__employer", "confirmed_by", "presented_by", "consent"
    ).get(pk=match_pk, participant=participant)
    match.participant = participant
    return match
