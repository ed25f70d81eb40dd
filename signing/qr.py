"""BankID's animated QR code and autostart link (README, "BankID").

The QR code changes every second: its content is
``bankid.{qrStartToken}.{qrTime}.{qrAuthCode}``, where qrTime is the whole
seconds since the order was started and qrAuthCode is
HMAC-SHA256(key=qrStartSecret, message=str(qrTime)) in hex. The secret never
leaves the server: the page asks for the current content every second.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote


def qr_auth_code(qr_start_secret: str, elapsed_seconds: int) -> str:
    """HMAC-SHA256 of the elapsed seconds (as decimal text) under the secret, in hex."""
    return hmac.new(
        qr_start_secret.encode("utf-8"),
        str(int(elapsed_seconds)).encode("ascii"),
        hashlib.sha256,
    ).hexdigest()


def qr_data(qr_start_token: str, qr_start_secret: str, elapsed_seconds: int) -> str:
    """The QR code's content ``elapsed_seconds`` whole seconds after the order started."""
    if elapsed_seconds < 0:
        raise ValueError("elapsed_seconds must not be negative")
    seconds = int(elapsed_seconds)
    return f"bankid.{qr_start_token}.{seconds}.{qr_auth_code(qr_start_secret, seconds)}"


def autostart_url(auto_start_token: str, redirect: str | None = None) -> str:
    """The link that starts the BankID app on the same device.

    ``bankid:///?autostarttoken=…&redirect=null``: with no redirect the app
    returns to nothing, and the person switches back to the browser (BankID's
    recommendation for desktop and Android browsers). A redirect (a URL, for
    iOS) is percent-encoded.
    """
    target = "null" if redirect is None else quote(redirect, safe="")
    return f"bankid:///?autostarttoken={quote(auto_start_token, safe='')}&redirect={target}"
