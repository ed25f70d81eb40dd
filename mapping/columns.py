"""The goal document's columns (*måldokument*): its headers and each
participant's row of values, shared by the overview page and the workbook.

The columns, headers and values are a contract (README, "The goal-document
workbook"): keep them exactly.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from participants.periods import PERIOD_COUNT, period_label

from .selectors import GoalRow

MOVE_HEADERS = [period_label(k) for k in range(1, PERIOD_COUNT + 1)]
HEADERS = [
    "Personnummer",
    "Namn",
    "Kön",
    "Ansvarig",
    "Startdatum",
    "Slutdatum",
    "Samtycke förnyas",
    "Mål",
    "Delmål 1",
    "Delmål 2",
    "Delmål 3",
    *MOVE_HEADERS,
    "Motivering till fortsättning",
    "Avslutsorsak",
    "Resultat",
    "Anställningsstöd",
    "Övrigt",
    "Målgrupp",
    "SUS-samtycke",
]
COLUMN = {header: get_column_letter(i) for i, header in enumerate(HEADERS, start=1)}
# The free text typed into the goal document: wrapped in the workbook, and
# never a formula there (rattinsats.xlsx), whatever it starts with.
TEXT_HEADERS = [
    "Mål",
    "Delmål 1",
    "Delmål 2",
    "Delmål 3",
    "Motivering till fortsättning",
    "Anställningsstöd",
    "Övrigt",
]

# The contract's values, independent of the interface language.
GENDERS = {"kvinna": "Kvinna", "man": "Man", "annat": "Annat"}
CLOSURE_REASONS = {"arbete": "Arbete", "studier": "Studier", "ovriga": "Övriga skäl"}
RESULTS = {
    "job_without_support": "Jobb utan stöd",
    "extratjanst": "Extratjänst",
    "lonebidrag": "Lönebidrag",
    "nystartsjobb": "Nystartsjobb",
    "introjobb": "Introjobb",
    "csn_studies": "Studier med CSN",
}
TARGET_GROUPS = {"FS": "FS", "AF14": "AF14"}
YES_NO = {True: "Ja", False: "Nej"}
YES_NO_TEXT = {"ja": "Ja", "nej": "Nej"}

SHEET_TITLE = "Måldokument"


def row_values(row: GoalRow) -> list:
    """One participant's row, in the order of ``HEADERS``. ``row`` comes
    from :func:`mapping.selectors.goal_rows`
    or :func:`mapping.selectors.goal_rows_of`."""
    renewal = row.consent_valid_until or row.consent_renewal_on
    return [
        row.personnummer_display,
        row.full_name,
        GENDERS.get(row.gender, ""),
        row.responsible_username or "",
        row.start_date,
        row.end_date,
        renewal or None,
        row.goal or "",
        row.delmal_1 or "",
        row.delmal_2 or "",
        row.delmal_3 or "",
        *[row.moves.get(k, "") for k in range(1, PERIOD_COUNT + 1)],
        row.continuation_reason or "",
        CLOSURE_REASONS.get(row.closure_reason, ""),
        RESULTS.get(row.closure_result, ""),
        row.employment_subsidy or "",
        row.other or "",
        TARGET_GROUPS.get(row.target_group, ""),
        YES_NO[row.sus_consent],
    ]
