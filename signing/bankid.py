"""BankID, the Swedish e-ID: signing orders through the relying-party API v6.

A small typed facade over pybankid (README, "BankID"): ``sign`` starts an
order, ``collect`` asks how it goes (every other second while it is
pending), ``cancel`` stops it. The client is configured from the settings
``RATTINSATS_BANKID_*``, read from the environment (config/settings.py):
the endpoint (``test``, ``production`` or a URL), the RP certificate and
key, the CA that BankID's server certificate must chain to, and the request
timeout. The connection is mutual TLS: the RP certificate identifies the
relying party, and only the given CA is trusted for the server.

Nothing BankID returns is logged, nor carried in an exception's text:
errors are logged by their code and HTTP status alone, and the evidence's
fields are left out of the dataclasses' repr. This module holds no Django
models (signing.models stores the evidence).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
from bankid import BankIDClient
from bankid import exceptions as bankid_exceptions
from bankid.baseclient import BankIDClientBaseclass
from bankid.certs import get_test_cert_and_key
from bankid.certutils import resolve_cert_path
from django.conf import settings

logger = logging.getLogger(__name__)

TEST_API_URL = "https://appapi2.test.bankid.com/rp/v6.0/"
PRODUCTION_API_URL = "https://appapi2.bankid.com/rp/v6.0/"

# BankID's limits on the request fields, counted in base64 characters.
USER_VISIBLE_DATA_MAX = 40_000
USER_NON_VISIBLE_DATA_MAX = 200_000

# The error codes BankID documents, by the HTTP status that carries them;
# the fallback when an error answer has no (usable) errorCode.
_CODE_BY_STATUS = {
    400: "invalidParameters",
    401: "unauthorized",
    403: "unauthorized",
    404: "notFound",
    405: "methodNotAllowed",
    408: "requestTimeout",
    415: "unsupportedMediaType",
    500: "internalError",
    503: "maintenance",
    # A proxy's answer that BankID could not be reached.
    502: "unavailable",
    504: "unavailable",
}
# An error or hint code as BankID writes them; anything else is replaced, so
# that no stray text from an answer reaches a log or a page.
_CODE = re.compile(r"[A-Za-z]{1,64}")
_STATUSES = ("pending", "failed", "complete")


@dataclass(frozen=True)
class Order:
    """A started order: what ``sign`` returns."""

    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str = field(repr=False)


@dataclass(frozen=True)
class Completion:
    """The evidence of a completed signing, as BankID returned it.

    The fields are personal data: they are left out of the repr.
    """

    personal_number: str = field(repr=False)  # 12 digits as BankID returns it
    name: str = field(repr=False)
    given_name: str = field(repr=False)
    surname: str = field(repr=False)
    signature: str = field(repr=False)  # base64, as returned
    ocsp_response: str = field(repr=False)  # base64, as returned
    bank_id_issue_date: str = field(repr=False)
    device_ip: str = field(repr=False)


@dataclass(frozen=True)
class Collected:
    """An answer to collect."""

    status: str  # "pending" | "failed" | "complete"
    hint_code: str  # "" when none
    completion: Completion | None


class BankIDError(Exception):
    """BankID answered with an error, or could not be reached.

    ``error_code`` is BankID's errorCode (``alreadyInProgress``,
    ``invalidParameters``, ``unauthorized``, ``notFound``,
    ``requestTimeout``, ``internalError``, ``maintenance`` …) or one of
    this module's own: ``unavailable`` (network or TLS failure, or a
    certificate that could not be loaded), ``invalidResponse`` (an answer
    that is not BankID's JSON), ``notConfigured``. ``http_status`` is the
    HTTP status of BankID's answer, None without one. The text holds these
    two and nothing else: never BankID's ``details`` or any personal data.
    """

    def __init__(self, error_code: str, http_status: int | None = None) -> None:
        super().__init__(error_code, http_status)
        self.error_code = error_code
        self.http_status = http_status

    def __str__(self) -> str:
        if self.http_status is None:
            return f"BankID error {self.error_code}"
        return f"BankID error {self.error_code} (HTTP {self.http_status})"


# The configuration --------------------------------------------------------


@dataclass(frozen=True)
class _Config:
    api_url: str
    cert: str
    key: str
    ca_cert: str
    timeout: float


def _config() -> _Config | None:
    """The client's configuration from the settings; None when BankID is off."""
    endpoint = (getattr(settings, "RATTINSATS_BANKID_ENDPOINT", "") or "").strip()
    cert = getattr(settings, "RATTINSATS_BANKID_CERT", "") or ""
    key = getattr(settings, "RATTINSATS_BANKID_KEY", "") or ""
    ca_cert = getattr(settings, "RATTINSATS_BANKID_CA_CERT", "") or ""
    timeout = float(getattr(settings, "RATTINSATS_BANKID_TIMEOUT", 10) or 10)
    if not endpoint:
        return None
    if endpoint.lower() == "test":
        api_url = TEST_API_URL
        ca_cert = ca_cert or str(resolve_cert_path("appapi2.test.bankid.com.pem"))
        if not cert:
            # BankID's public test RP certificate, bundled with pybankid.
            test_cert, test_key = get_test_cert_and_key()
            cert, key = str(test_cert), str(test_key)
    elif endpoint.lower() == "production":
        api_url = PRODUCTION_API_URL
        ca_cert = ca_cert or str(resolve_cert_path("appapi2.bankid.com.pem"))
    elif endpoint.startswith("https://"):
        api_url = endpoint if endpoint.endswith("/") else endpoint + "/"
    else:
        return None
    if not cert:
        return None
    return _Config(api_url=api_url, cert=cert, key=key, ca_cert=ca_cert, timeout=timeout)


def is_configured() -> bool:
    """Whether the settings name an endpoint and an RP certificate."""
    return _config() is not None


# The client -----------------------------------------------------------------

_state = threading.local()


def _remember_status(response: httpx.Response) -> None:
    # pybankid's exceptions carry BankID's JSON but not the HTTP status.
    _state.http_status = response.status_code


class _Client(BankIDClient):
    """pybankid's synchronous client, pointed at the configured endpoint.

    pybankid knows only BankID's two endpoints and its bundled CA
    certificates: this sets the endpoint URLs and the TLS context (the
    configured CA, and the RP certificate for mutual TLS) after the base
    class has set its defaults.
    """

    def __init__(self, config: _Config) -> None:
        BankIDClientBaseclass.__init__(
            self,
            (config.cert, config.key),
            test_server=config.api_url == TEST_API_URL,
            request_timeout=int(config.timeout),
        )
        self.api_url = config.api_url
        self._auth_endpoint = urljoin(self.api_url, "auth")
        self._phone_auth_endpoint = urljoin(self.api_url, "phone/auth")
        self._sign_endpoint = urljoin(self.api_url, "sign")
        self._phone_sign_endpoint = urljoin(self.api_url, "phone/sign")
        self._collect_endpoint = urljoin(self.api_url, "collect")
        self._cancel_endpoint = urljoin(self.api_url, "cancel")
        context = ssl.create_default_context(cafile=config.ca_cert or None)
        context.load_cert_chain(config.cert, config.key or None)
        self.verify_cert = config.ca_cert
        self.ctx = context
        self.client = httpx.Client(
            headers={"Content-Type": "application/json"},
            verify=context,
            timeout=config.timeout,
            event_hooks={"response": [_remember_status]},
        )

    @staticmethod
    def _encode_user_data(user_data: str | bytes) -> str:
        raw = user_data if isinstance(user_data, bytes) else user_data.encode("utf-8")
        return base64.b64encode(raw).decode("ascii")


_clients: dict[_Config, _Client] = {}
_clients_lock = threading.Lock()


def _client() -> _Client:
    config = _config()
    if config is None:
        raise BankIDError("notConfigured")
    with _clients_lock:
        client = _clients.get(config)
        if client is None:
            try:
                client = _Client(config)
            except (OSError, ValueError) as exc:
                # A missing or unreadable certificate or key: the type only,
                # the paths are in the settings.
                logger.error(
                    "BankID client certificate could not be loaded (%s)", type(exc).__name__
                )
                raise BankIDError("unavailable") from None
            # One client for each configuration (the tests change it);
            # the oldest go.
            while len(_clients) >= 4:
                _clients.pop(next(iter(_clients))).client.close()
            _clients[config] = client
        return client


_T = TypeVar("_T")


def _call(operation: str, request: Callable[[], _T]) -> _T:
    """Run one request, turning every failure into a BankIDError logged by code."""
    _state.http_status = None
    try:
        return request()
    except bankid_exceptions.BankIDError as exc:
        status = _state.http_status
        code = exc.json.get("errorCode") if isinstance(exc.json, dict) else None
        error = BankIDError(_safe_code(code) or _CODE_BY_STATUS.get(status or 0, "unknown"), status)
    except ValueError:
        # An error answer that is not JSON (a proxy's page, a 503 without body).
        status = _state.http_status
        error = BankIDError(_CODE_BY_STATUS.get(status or 0, "invalidResponse"), status)
    except httpx.HTTPError as exc:
        logger.warning("BankID %s: no answer (%s)", operation, type(exc).__name__)
        raise BankIDError("unavailable") from None
    logger.warning("BankID %s failed: %s (HTTP %s)", operation, error.error_code, error.http_status)
    raise error from None


def _safe_code(value: object) -> str:
    return value if isinstance(value, str) and _CODE.fullmatch(value) else ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# The operations -------------------------------------------------------------


def sign(
    *,
    end_user_ip: str,
    user_visible_data: str,
    user_non_visible_data: bytes | None = None,
    personal_number: str | None = None,
) -> Order:
    """Start a signing order.

    ``user_visible_data`` is the text the BankID app shows, in BankID's
    simpleMarkdownV1 (plain text is valid markdown); it is sent base64-encoded.
    ``user_non_visible_data`` is signed but not shown. With
    ``personal_number`` (12 digits, a hyphen allowed) only that person can
    sign (requirement.personalNumber).

    Raises ValueError for arguments BankID would refuse (the message names
    the argument, never its value), BankIDError for BankID's errors.
    """
    try:
        ipaddress.ip_address(end_user_ip)
    except ValueError:
        raise ValueError("end_user_ip must be an IPv4 or IPv6 address") from None
    if not user_visible_data:
        raise ValueError("user_visible_data must not be empty")
    if _b64_length(user_visible_data.encode("utf-8")) > USER_VISIBLE_DATA_MAX:
        raise ValueError(f"user_visible_data is over {USER_VISIBLE_DATA_MAX} base64 characters")
    if user_non_visible_data is not None:
        if not user_non_visible_data:
            raise ValueError("user_non_visible_data must not be empty when given")
        if _b64_length(user_non_visible_data) > USER_NON_VISIBLE_DATA_MAX:
            raise ValueError(
                f"user_non_visible_data is over {USER_NON_VISIBLE_DATA_MAX} base64 characters"
            )
    requirement: dict[str, Any] | None = None
    if personal_number is not None:
        digits = personal_number.replace("-", "").strip()
        if not re.fullmatch(r"\d{12}", digits):
            raise ValueError("personal_number must be 12 digits (YYYYMMDDNNNN)")
        requirement = {"personalNumber": digits}

    client = _client()
    answer = _call(
        "sign",
        lambda: client.sign(
            end_user_ip=end_user_ip,
            user_visible_data=user_visible_data,
            requirement=requirement,
            user_non_visible_data=user_non_visible_data,
            user_visible_data_format="simpleMarkdownV1",
        ),
    )
    order = _as_dict(answer)
    values = [_text(order.get(k)) for k in ("orderRef", "autoStartToken", "qrStartToken")]
    secret = _text(order.get("qrStartSecret"))
    if not all(values) or not secret:
        logger.warning("BankID sign failed: invalidResponse (HTTP 200)")
        raise BankIDError("invalidResponse", 200)
    return Order(
        order_ref=values[0],
        auto_start_token=values[1],
        qr_start_token=values[2],
        qr_start_secret=secret,
    )


def collect(order_ref: str) -> Collected:
    """The state of an order: pending (with a hint), failed (with a hint), or
    complete (with the evidence)."""
    client = _client()
    answer = _as_dict(_call("collect", lambda: client.collect(order_ref)))
    status = _text(answer.get("status"))
    if status not in _STATUSES:
        logger.warning("BankID collect failed: invalidResponse (HTTP 200)")
        raise BankIDError("invalidResponse", 200)
    hint_code = _safe_code(answer.get("hintCode"))
    if status != "complete":
        return Collected(status=status, hint_code=hint_code, completion=None)
    data = _as_dict(answer.get("completionData"))
    user = _as_dict(data.get("user"))
    device = _as_dict(data.get("device"))
    completion = Completion(
        personal_number=_text(user.get("personalNumber")),
        name=_text(user.get("name")),
        given_name=_text(user.get("givenName")),
        surname=_text(user.get("surname")),
        signature=_text(data.get("signature")),
        ocsp_response=_text(data.get("ocspResponse")),
        bank_id_issue_date=_text(data.get("bankIdIssueDate")),
        device_ip=_text(device.get("ipAddress")),
    )
    if not (completion.personal_number and completion.signature and completion.ocsp_response):
        logger.warning("BankID collect failed: invalidResponse (HTTP 200)")
        raise BankIDError("invalidResponse", 200)
    return Collected(status=status, hint_code=hint_code, completion=completion)


def cancel(order_ref: str) -> None:
    """Cancel a pending order (the person is then told RFA3 in the app)."""
    client = _client()
    _call("cancel", lambda: client.cancel(order_ref))


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _b64_length(raw: bytes) -> int:
    return 4 * ((len(raw) + 2) // 3)


def _reset_clients() -> None:
    """Close the cached clients (tests)."""
    with _clients_lock:
        for client in _clients.values():
            client.client.close()
        _clients.clear()


__all__ = [
    "BankIDError",
    "Collected",
    "Completion",
    "Order",
    "cancel",
    "collect",
    "is_configured",
    "sign",
]
