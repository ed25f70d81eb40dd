"""A stand-in for BankID's relying-party API v6, for the tests.

CI cannot reach BankID's test environment, so the tests run the real client
(signing.bankid over pybankid and httpx) against this server: HTTPS on a
free loopback port, in a thread of the test process, with mutual TLS like
BankID's (the server requires an RP client certificate issued by the RP CA,
and the client trusts only the CA that issued the server's certificate). The
certificates are made at test time (``make_certificates``): a throwaway
server CA, a server certificate for 127.0.0.1 and localhost, an RP CA with
an RP certificate, and a certificate from another CA that must be refused.

Endpoints (POST, JSON), with BankID's documented answers:

- ``/rp/v6.0/sign`` and ``/rp/v6.0/auth``: orderRef, autoStartToken,
  qrStartToken, qrStartSecret. Checks endUserIp, userVisibleData (base64,
  required for sign), userVisibleDataFormat, userNonVisibleData,
  requirement (personalNumber of 12 digits); unknown parameters are
  invalidParameters. A second order for a personal number with one pending
  answers 400 alreadyInProgress and cancels the pending one (hintCode
  cancelled), as BankID does.
- ``/rp/v6.0/collect``: pending (outstandingTransaction first, then what the
  test sets: noClient, started, userSign, userMrtd …), failed (userCancel,
  expiredTransaction, certificateErr, startFailed, cancelled …) or complete
  with completionData (user, device, bankIdIssueDate, stepUp, signature,
  ocspResponse). An unknown orderRef is 400 invalidParameters.
- ``/rp/v6.0/cancel``: {} for a pending order; afterwards the order is gone
  (collect: 400 invalidParameters).
- Errors as BankID writes them, ``{"errorCode": …, "details": …}``: 400
  invalidParameters, 404 notFound, 405 methodNotAllowed, 415
  unsupportedMediaType; and any status and code the test asks for with
  ``error_next`` (401 unauthorized, 408 requestTimeout, 500 internalError,
  503 maintenance …).

The tests drive it from Python: ``complete``, ``set_hint``, ``fail``,
``error_next``, ``delay_next``, and read ``orders`` (what the app sent,
userVisibleData decoded) and ``requests``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import json
import re
import secrets
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

API_PREFIX = "/rp/v6.0/"
# A valid personal number (Luhn) for completions that name none.
DEFAULT_PERSONAL_NUMBER = "199001012385"

PENDING_HINTS = {
    "outstandingTransaction",
    "noClient",
    "started",
    "userMrtd",
    "userCallConfirm",
    "userSign",
}
FAILED_HINTS = {
    "expiredTransaction",
    "certificateErr",
    "userCancel",
    "cancelled",
    "startFailed",
    "userDeclinedCall",
    "notSupportedByUserApp",
    "transactionRiskBlocked",
}
_START_PARAMETERS = {
    "endUserIp",
    "requirement",
    "userVisibleData",
    "userNonVisibleData",
    "userVisibleDataFormat",
    "returnUrl",
    "returnRisk",
    "app",
    "web",
}
_REQUIREMENTS = {
    "cardReader",
    "certificatePolicies",
    "mrtd",
    "personalNumber",
    "pinCode",
    "risk",
}


# Certificates -----------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    """PEM files for the stand-in and its clients."""

    directory: Path
    server_ca: Path  # the client trusts this (RATTINSATS_BANKID_CA_CERT)
    server_cert: Path
    server_key: Path
    rp_ca: Path  # the server accepts client certificates from this CA
    rp_cert: Path  # RATTINSATS_BANKID_CERT
    rp_key: Path  # RATTINSATS_BANKID_KEY
    stranger_cert: Path  # an RP certificate from another CA: refused
    stranger_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Stand-in BankID (tests)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
    client: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name = issuer[0].subject if issuer else _name(subject)
    signing_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
            critical=False,
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if client:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate | None, key: Any = None) -> Path:
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path


def make_certificates(directory: Path) -> Certificates:
    """A throwaway PKI for one test session, written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = {name: ec.generate_private_key(ec.SECP256R1()) for name in range(6)}
    server_ca = _issue("Stand-in BankID SSL Root CA", keys[0], None, ca=True)
    server = _issue("127.0.0.1", keys[1], (server_ca, keys[0]), server=True)
    rp_ca = _issue("Stand-in BankID RP CA", keys[2], None, ca=True)
    rp = _issue("Rätt insats RP (tests)", keys[3], (rp_ca, keys[2]), client=True)
    other_ca = _issue("Some other CA", keys[4], None, ca=True)
    stranger = _issue("Stranger RP", keys[5], (other_ca, keys[4]), client=True)
    return Certificates(
        directory=directory,
        server_ca=_write(directory / "server-ca.pem", server_ca),
        server_cert=_write(directory / "server.pem", server),
        server_key=_write(directory / "server-key.pem", None, keys[1]),
        rp_ca=_write(directory / "rp-ca.pem", rp_ca),
        rp_cert=_write(directory / "rp.pem", rp),
        rp_key=_write(directory / "rp-key.pem", None, keys[3]),
        stranger_cert=_write(directory / "stranger.pem", stranger),
        stranger_key=_write(directory / "stranger-key.pem", None, keys[5]),
    )


# Orders -------------------------------------------------------------------------


@dataclass
class StandInOrder:
    """One order, as the app sent it and as the test moves it along."""

    order_ref: str
    kind: str  # "sign" | "auth"
    end_user_ip: str
    user_visible_data: str | None  # decoded from base64
    user_visible_data_format: str | None
    user_non_visible_data: bytes | None  # decoded from base64
    requirement: dict[str, Any]
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    started_at: float  # time.monotonic() when the order was made
    status: str = "pending"
    hint_code: str = "outstandingTransaction"
    completion_data: dict[str, Any] | None = None
    collects: int = 0
    cancelled: bool = False  # through /cancel: gone for collect

    @property
    def personal_number(self) -> str | None:
        value = self.requirement.get("personalNumber")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    body: Any  # the parsed JSON, or None
    status: int  # the HTTP status answered


@dataclass
class _PlannedError:
    status: int
    error_code: str
    details: str
    endpoint: str | None
    times: int


class BankIDStandIn:
    """The server and its Python control API (thread-safe)."""

    def __init__(self, certificates: Certificates) -> None:
        self.certificates = certificates
        self._lock = threading.Condition()
        self._orders: dict[str, StandInOrder] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[_PlannedError] = []
        self._delays: list[tuple[str | None, float]] = []
        self.refused_handshakes = 0
        # Bumped by reset(): a request still being answered (delay_next)
        # when a test ends must not land in the next test's orders.
        self._generation = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # The server's life ------------------------------------------------------

    def start(self) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.certificates.server_cert, self.certificates.server_key)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=self.certificates.rp_ca)
        self._server = _Server(("127.0.0.1", 0), _Handler, standin=self, context=context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="bankid-standin",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the stand-in is not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The API's base URL, for RATTINSATS_BANKID_ENDPOINT."""
        return f"https://127.0.0.1:{self.port}{API_PREFIX}"

    def settings(self) -> dict[str, Any]:
        """The RATTINSATS_BANKID_* settings that point signing.bankid here."""
        return {
            "RATTINSATS_BANKID_ENDPOINT": self.url,
            "RATTINSATS_BANKID_CERT": str(self.certificates.rp_cert),
            "RATTINSATS_BANKID_KEY": str(self.certificates.rp_key),
            "RATTINSATS_BANKID_CA_CERT": str(self.certificates.server_ca),
            "RATTINSATS_BANKID_TIMEOUT": 5.0,
        }

    def reset(self) -> None:
        """Forget every order, request and planned error."""
        with self._lock:
            self._orders.clear()
            self._requests.clear()
            self._errors.clear()
            self._delays.clear()
            self.refused_handshakes = 0
            self._generation += 1

    # What the app sent -----------------------------------------------------

    @property
    def orders(self) -> dict[str, StandInOrder]:
        """The orders by orderRef, oldest first (a copy of the mapping)."""
        with self._lock:
            return dict(self._orders)

    @property
    def last_order(self) -> StandInOrder:
        with self._lock:
            assert self._orders, "no order has been made"
            return list(self._orders.values())[-1]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_for_order(self, timeout: float = 10.0, *, count: int = 1) -> StandInOrder:
        """Wait until ``count`` orders exist (for browser tests: the app makes
        them in the live server's thread); the newest."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._orders) >= count, timeout=timeout):
                raise TimeoutError(f"no order {count} within {timeout} s")
            return list(self._orders.values())[-1]

    def wait_for_refused_handshakes(self, count: int = 1, timeout: float = 5.0) -> int:
        """Wait until the server has refused ``count`` TLS handshakes (the
        client may see the refusal before the server has counted it)."""
        with self._lock:
            self._lock.wait_for(lambda: self.refused_handshakes >= count, timeout=timeout)
            return self.refused_handshakes

    def wait_for_collects(
        self, order_ref: str | None = None, *, count: int = 1, timeout: float = 10.0
    ) -> StandInOrder:
        """Wait until the order has been collected ``count`` times."""
        with self._lock:
            order = self._order(order_ref)
            if not self._lock.wait_for(lambda: order.collects >= count, timeout=timeout):
                raise TimeoutError(f"order not collected {count} times within {timeout} s")
            return order

    # Moving an order along -----------------------------------------------

    def set_hint(self, order_ref: str | None, hint_code: str) -> None:
        """A pending order's hintCode (noClient, started, userSign …)."""
        with self._lock:
            order = self._order(order_ref)
            assert order.status == "pending", f"the order is {order.status}"
            order.hint_code = hint_code
            self._lock.notify_all()

    def fail(self, order_ref: str | None, hint_code: str) -> None:
        """End an order as failed (userCancel, expiredTransaction, certificateErr,
        startFailed …)."""
        with self._lock:
            order = self._order(order_ref)
            order.status = "failed"
            order.hint_code = hint_code
            self._lock.notify_all()

    def complete(
        self,
        order_ref: str | None = None,
        *,
        personal_number: str | None = None,
        name: str | None = None,
        given_name: str = "Tessan",
        surname: str = "Testsson",
        bank_id_issue_date: str = "2023-05-10",
        device_ip: str | None = None,
        mrtd: bool = False,
    ) -> dict[str, Any]:
        """Complete an order as the person's app would: completionData with the
        user (by default the order's required personal number), the device,
        the signature (XML with the signed texts, base64) and an OCSP
        response (base64). The personal number may differ from the order's,
        for testing the app's own check. Returns the completionData."""
        with self._lock:
            order = self._order(order_ref)
            assert order.status == "pending", f"the order is {order.status}"
            number = personal_number or order.personal_number or DEFAULT_PERSONAL_NUMBER
            order.status = "complete"
            order.hint_code = ""
            order.completion_data = {
                "user": {
                    "personalNumber": number,
                    "name": name or f"{given_name} {surname}",
                    "givenName": given_name,
                    "surname": surname,
                },
                "device": {
                    "ipAddress": device_ip or order.end_user_ip,
                    "uhi": base64.urlsafe_b64encode(secrets.token_bytes(21)).decode(),
                },
                "bankIdIssueDate": bank_id_issue_date,
                "stepUp": {"mrtd": mrtd},
                "signature": _signature(order),
                "ocspResponse": base64.b64encode(b"\x30\x82" + secrets.token_bytes(64)).decode(),
            }
            self._lock.notify_all()
            return order.completion_data

    def error_next(
        self,
        status: int = 503,
        error_code: str = "maintenance",
        *,
        endpoint: str | None = None,
        details: str = "",
        times: int = 1,
    ) -> None:
        """Answer the next call (to ``endpoint``: "sign", "collect" …, or any)
        with this HTTP status and errorCode, ``times`` times."""
        with self._lock:
            self._errors.append(
                _PlannedError(
                    status, error_code, details or _DETAILS.get(error_code, ""), endpoint, times
                )
            )

    def delay_next(self, seconds: float, *, endpoint: str | None = None) -> None:
        """Answer the next call (to ``endpoint``, or any) only after ``seconds``."""
        with self._lock:
            self._delays.append((endpoint, seconds))

    # Serving ------------------------------------------------------------------

    def _order(self, order_ref: str | None) -> StandInOrder:
        if order_ref is None:
            assert self._orders, "no order has been made"
            return list(self._orders.values())[-1]
        return self._orders[order_ref]

    def _planned(self, endpoint: str) -> tuple[_PlannedError | None, float]:
        with self._lock:
            error = next((e for e in self._errors if e.endpoint in (None, endpoint)), None)
            if error is not None:
                error.times -= 1
                if error.times <= 0:
                    self._errors.remove(error)
            delay = next((d for d in self._delays if d[0] in (None, endpoint)), None)
            if delay is not None:
                self._delays.remove(delay)
            return error, delay[1] if delay else 0.0

    def handle(self, method: str, path: str, content_type: str, body: bytes) -> tuple[int, Any]:
        endpoint = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else ""
        with self._lock:
            generation = self._generation
        error, delay = self._planned(endpoint)
        if delay:
            time.sleep(delay)
            with self._lock:
                if generation != self._generation:
                    return 500, _error("internalError", "The stand-in was reset meanwhile.")
        parsed: Any = None
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        if error is not None:
            status, answer = error.status, _error(error.error_code, error.details)
        else:
            status, answer = self._answer(method, endpoint, content_type, body, parsed)
        with self._lock:
            self._requests.append(RecordedRequest(path=path, body=parsed, status=status))
            self._lock.notify_all()
        return status, answer

    def _answer(
        self, method: str, endpoint: str, content_type: str, body: bytes, parsed: Any
    ) -> tuple[int, Any]:
        if endpoint not in {"sign", "auth", "collect", "cancel"}:
            return 404, _error("notFound", "No such resource.")
        if method != "POST":
            return 405, _error("methodNotAllowed", "Use POST.")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return 415, _error("unsupportedMediaType", "Use Content-Type application/json.")
        if not isinstance(parsed, dict):
            return 400, _error("invalidParameters", "The body is not a JSON object.")
        if endpoint in ("sign", "auth"):
            return self._start(endpoint, parsed)
        order_ref = parsed.get("orderRef")
        if set(parsed) != {"orderRef"} or not isinstance(order_ref, str):
            return 400, _error("invalidParameters", "Invalid orderRef.")
        with self._lock:
            order = self._orders.get(order_ref)
            if order is None or order.cancelled:
                return 400, _error("invalidParameters", "No such order.")
            if endpoint == "cancel":
                if order.status != "pending":
                    return 400, _error("invalidParameters", "The order is not pending.")
                order.cancelled = True
                order.status = "failed"
                order.hint_code = "cancelled"
                self._lock.notify_all()
                return 200, {}
            order.collects += 1
            self._lock.notify_all()
            answer: dict[str, Any] = {"orderRef": order.order_ref, "status": order.status}
            if order.status == "complete":
                answer["completionData"] = order.completion_data
            else:
                answer["hintCode"] = order.hint_code
            return 200, answer

    def _start(self, kind: str, parsed: dict[str, Any]) -> tuple[int, Any]:
        unknown = set(parsed) - _START_PARAMETERS
        if unknown:
            return 400, _error("invalidParameters", f"Unknown parameter: {sorted(unknown)[0]}")
        ip = parsed.get("endUserIp")
        try:
            ipaddress.ip_address(ip if isinstance(ip, str) else "")
        except ValueError:
            return 400, _error("invalidParameters", "Invalid endUserIp.")
        visible = _decode(parsed.get("userVisibleData"), 40_000)
        if visible is False or (kind == "sign" and visible is None):
            return 400, _error("invalidParameters", "Invalid userVisibleData.")
        visible_text: str | None = None
        if isinstance(visible, bytes):
            try:
                visible_text = visible.decode("utf-8")
            except UnicodeDecodeError:
                return 400, _error("invalidParameters", "Invalid userVisibleData.")
        visible_format = parsed.get("userVisibleDataFormat")
        if visible_format not in (None, "simpleMarkdownV1", "plaintext"):
            return 400, _error("invalidParameters", "Invalid userVisibleDataFormat.")
        hidden = _decode(parsed.get("userNonVisibleData"), 200_000)
        if hidden is False:
            return 400, _error("invalidParameters", "Invalid userNonVisibleData.")
        requirement = parsed.get("requirement", {})
        if not isinstance(requirement, dict) or set(requirement) - _REQUIREMENTS:
            return 400, _error("invalidParameters", "Invalid requirement.")
        number = requirement.get("personalNumber")
        if number is not None and not (isinstance(number, str) and re.fullmatch(r"\d{12}", number)):
            return 400, _error("invalidParameters", "Invalid personalNumber.")
        with self._lock:
            if number is not None:
                busy = [
                    o
                    for o in self._orders.values()
                    if o.status == "pending" and o.personal_number == number
                ]
                if busy:
                    for other in busy:
                        other.status = "failed"
                        other.hint_code = "cancelled"
                    self._lock.notify_all()
                    return 400, _error("alreadyInProgress", "Order already in progress for pno")
            order = StandInOrder(
                order_ref=str(uuid.uuid4()),
                kind=kind,
                end_user_ip=str(ip),
                user_visible_data=visible_text,
                user_visible_data_format=visible_format,
                user_non_visible_data=hidden if isinstance(hidden, bytes) else None,
                requirement=dict(requirement),
                auto_start_token=str(uuid.uuid4()),
                qr_start_token=str(uuid.uuid4()),
                qr_start_secret=str(uuid.uuid4()),
                started_at=time.monotonic(),
            )
            self._orders[order.order_ref] = order
            self._lock.notify_all()
        return 200, {
            "orderRef": order.order_ref,
            "autoStartToken": order.auto_start_token,
            "qrStartToken": order.qr_start_token,
            "qrStartSecret": order.qr_start_secret,
        }


_DETAILS = {
    "alreadyInProgress": "Order already in progress for pno",
    "invalidParameters": "Invalid parameter.",
    "unauthorized": "RP does not have access to the service.",
    "notFound": "No such resource.",
    "requestTimeout": "Request timed out.",
    "internalError": "Internal error.",
    "maintenance": "Maintenance.",
}


def _error(code: str, details: str) -> dict[str, str]:
    return {"errorCode": code, "details": details}


def _decode(value: Any, limit: int) -> bytes | None | bool:
    """Base64 text of at most ``limit`` characters: its bytes; None when
    absent; False when invalid."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        return False
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False


def _signature(order: StandInOrder) -> str:
    """A stand-in for BankID's signature: XML (XML-DSig shaped) holding the
    signed texts, base64-encoded as BankID returns it."""
    visible = base64.b64encode((order.user_visible_data or "").encode()).decode()
    hidden = base64.b64encode(order.user_non_visible_data or b"").decode()
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
        "<SignedInfo><CanonicalizationMethod "
        'Algorithm="http://www.w3.org/2006/12/xml-c14n11"/></SignedInfo>'
        f"<SignatureValue>{base64.b64encode(secrets.token_bytes(64)).decode()}</SignatureValue>"
        '<Object><bankIdSignedData xmlns="http://www.bankid.com/signature/v1.0.0/types">'
        f"<usrVisibleData>{visible}</usrVisibleData>"
        f"<usrNonVisibleData>{hidden}</usrNonVisibleData>"
        f"<srvInfo><nonce>{base64.b64encode(secrets.token_bytes(20)).decode()}</nonce></srvInfo>"
        "</bankIdSignedData></Object></Signature>"
    )
    return base64.b64encode(xml.encode()).decode()


# The HTTP side --------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type,
        *,
        standin: BankIDStandIn,
        context: ssl.SSLContext,
    ) -> None:
        self.standin = standin
        self.context = context
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake in the connection's own thread: a client that
        # shows no acceptable certificate is refused here.
        request.settimeout(10)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with self.standin._lock:
                self.standin.refused_handshakes += 1
                self.standin._lock.notify_all()
            return
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            try:
                connection.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print a traceback to stderr.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server.standin.handle(
            self.command, self.path, self.headers.get("Content-Type", ""), body
        )
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_GET = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # No access log: the tests read standin.requests instead.
        pass


def free_port() -> int:
    """A free loopback port (for tests that need one that refuses connections)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
