"""Goal and mapping documents for the demo participants (seed_demo)."""

from mapping.models import GoalDocument
from mapping.services import goal_document_save, mapping_document_save
from participants.models import Participant

GOALS = [
    (
        "Arbete inom handel",
        "Gå ut på en promenad varje dag",
        "Skriva ett cv",
        "Söka tre jobb i veckan",
    ),
    ("Studier till undersköterska", "Besöka Komvux", "Läsa svenska 2 hösten", ""),
    ("Arbete på lager", "Ta truckkort", "Praktik två dagar i veckan", ""),
    ("Arbete inom restaurang", "Komma i tid till aktiviteter", "", ""),
]


def demo_goal_documents() -> int:
    """Give every demo participant without a goal document a mapping and a
    goal document, written by their responsible staff member through the
    services (so revisions and audit events exist). Running it again
    changes nothing. Returns the number of participants given documents."""
    done = set(GoalDocument.objects.values_list("participant_id", flat=True))
    count = 0
    participants = Participant.objects.select_related("responsible").order_by("start_date", "id")
    for i, participant in enumerate(participants):
        if participant.pk in done or participant.responsible is None:
            continue
        goal, first, second, third = GOALS[i % len(GOALS)]
        mapping_document_save(
            actor=participant.responsible,
            participant=participant,
            version=0,
            education_experience="Grundskola. Har arbetat extra inom handel och städ.",
            licences="B-körkort" if i % 2 else "",
            languages="Svenska, engelska" if i % 3 else "Svenska, arabiska",
            goal_direction="studier" if "Studier" in goal else "arbete",
            goal=goal,
            delmal_1=first,
            delmal_2=second,
            delmal_3=third,
            participant_part="Söker jobb varje vecka och kommer till bokade möten.",
            staff_part="Kontaktar arbetsgivare och följer upp varannan vecka.",
            employer_presentation="Som pålitlig och noggrann, med erfarenhet av kundkontakt.",
        )
        # The mapping's goal and sub-goals are now in the goal document.
        document = GoalDocument.objects.get(participant=participant)
        goal_document_save(
            actor=participant.responsible,
            participant=participant,
            version=document.version,
            delmal_1_status="uppnatt" if i % 2 else "pagaende",
            employment_subsidy="Nystartsjobb" if i % 4 == 3 else "",
            other="Föredrar möten på förmiddagen." if i % 3 == 0 else "",
        )
        count += 1
    return count
