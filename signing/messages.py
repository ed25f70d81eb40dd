"""BankID's recommended user messages (RFA1–RFA23) for collect's hint codes
and the API's error codes (README, "BankID").

The Swedish texts are BankID's own ("Recommended user messages" in BankID's
developer guide), with the Swedish as the msgid and an English translation
in the catalogue. Which message goes with which code follows BankID's
collect and error descriptions; two depend on how the app was started:

- outstandingTransaction: RFA1 with a QR code, RFA13 when the app was
  started on the same device (autostart);
- startFailed: RFA17B with a QR code, RFA17A on the same device.

"started" gets RFA15B (a BankID on this device): with a QR code it is the
phone, and on the same device the participant's phone or computer, where a
BankID on card (RFA15A) is not expected.

Unknown codes: RFA21 while pending, RFA22 for a failure or an error.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RFA1 = _("Starta BankID-appen.")
RFA2 = _("Du verkar inte ha BankID-appen. Installera den och skaffa ett BankID.")
RFA3 = _("Åtgärden avbröts. Försök igen.")
RFA4 = _("En identifiering eller underskrift pågår redan för ditt personnummer. Försök igen.")
RFA5 = _("Något gick fel. Försök igen.")
RFA6 = _("Åtgärden avbröts.")
RFA8 = _(
    "BankID-appen svarar inte. Kontrollera att den är startad och att du har "
    "internetanslutning. Försök sedan igen."
)
RFA9 = _("Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.")
RFA13 = _("Försöker starta BankID-appen.")
RFA15A = _(
    "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här datorn. "
    "Om du har ett BankID på kort, sätt in kortet i kortläsaren."
)
# BankID's own text has the typo "gitligt"; corrected here.
RFA15B = _("Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här enheten.")
RFA16 = _(
    "Ditt BankID är för gammalt eller spärrat. Använd ett annat BankID eller skaffa "
    "ett nytt hos din bank."
)
RFA17A = _(
    "Du verkar inte ha BankID-appen/programmet. Installera den och skaffa ett BankID hos din bank."
)
RFA17B = _("Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden.")
RFA18 = RFA1  # The start button's label: the same text.
RFA19 = _("Vill du använda BankID på den här datorn eller ett Mobilt BankID?")
RFA20 = _("Vill du använda BankID på den här enheten eller på en annan enhet?")
RFA21 = _("En identifiering eller underskrift pågår.")
RFA22 = RFA5  # "Unknown error": BankID now words it as RFA5.
RFA23 = _("Fotografera och läs av din ID-handling med BankID-appen.")

# status=pending: the hint code's message, (with a QR code, on the same device).
PENDING = {
    "outstandingTransaction": (RFA1, RFA13),
    "noClient": (RFA1, RFA1),
    "started": (RFA15B, RFA15B),
    "userMrtd": (RFA23, RFA23),
    "userSign": (RFA9, RFA9),
}
# status=failed.
FAILED = {
    "expiredTransaction": (RFA8, RFA8),
    "certificateErr": (RFA16, RFA16),
    "userCancel": (RFA6, RFA6),
    "cancelled": (RFA3, RFA3),
    "startFailed": (RFA17B, RFA17A),
}
# An error answer (signing.bankid.BankIDError.error_code). invalidParameters,
# unauthorized, notFound and the like are faults of this system, which BankID
# says not to present as BankID errors: they get RFA22.
ERRORS = {
    "alreadyInProgress": RFA4,
    "requestTimeout": RFA5,
    "internalError": RFA5,
    "maintenance": RFA5,
    # signing.bankid's own: the network or TLS failed.
    "unavailable": RFA5,
}


def user_message(*, status: str, hint_code: str = "", error_code: str = "", qr: bool) -> str:
    """The message to show for an answer from BankID, in the active language.

    ``error_code`` (from a BankIDError) wins over status and hint; ``qr`` is
    True when the person scans a QR code, False when the app was started on
    the same device. A completed order has no message ("").
    """
    if error_code:
        return str(ERRORS.get(error_code, RFA22))
    column = 0 if qr else 1
    if status == "pending":
        pair = PENDING.get(hint_code)
        return str(pair[column] if pair else RFA21)
    if status == "failed":
        pair = FAILED.get(hint_code)
        return str(pair[column] if pair else RFA22)
    if status == "complete":
        return ""
    return str(RFA22)
