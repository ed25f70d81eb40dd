"""signing.bankid, signing.qr and signing.messages: the real client (pybankid
over httpx, mutual TLS) against the BankID stand-in (tests/signing/standin.py).
Nothing of the client is mocked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import ssl
import time

import httpx
import pytest
from bankid.qr import generate_qr_code_content
from django.utils import translation

from signing import bankid, messages, qr
from signing.bankid import BankIDError, Collected

from .standin import DEFAULT_PERSONAL_NUMBER, BankIDStandIn, free_port

PNR = "198112189876"
CONSENT = "# Samtycke\n\nJag, *Åsa Öberg*, samtycker till att Rätt insats behandlar mina uppgifter."


def start(**kwargs) -> bankid.Order:
    arguments = {"end_user_ip": "192.0.2.10", "user_visible_data": CONSENT}
    arguments.update(kwargs)
    return bankid.sign(**arguments)


# Sign, collect, complete -------------------------------------------------------


def test_sign_sends_the_consent_and_returns_the_order(bankid_standin: BankIDStandIn):
    order = start(personal_number=PNR, user_non_visible_data=b"consent:42:v3")

    sent = bankid_standin.orders[order.order_ref]
    assert sent.kind == "sign"
    assert sent.end_user_ip == "192.0.2.10"
    assert sent.user_visible_data == CONSENT
    assert sent.user_visible_data_format == "simpleMarkdownV1"
    assert sent.user_non_visible_data == b"consent:42:v3"
    assert sent.requirement == {"personalNumber": PNR}
    assert (order.auto_start_token, order.qr_start_token, order.qr_start_secret) == (
        sent.auto_start_token,
        sent.qr_start_token,
        sent.qr_start_secret,
    )
    # What went over the wire: userVisibleData base64-encoded UTF-8.
    body = bankid_standin.requests[-1].body
    assert bankid_standin.requests[-1].path == "/rp/v6.0/sign"
    assert base64.b64decode(body["userVisibleData"]).decode("utf-8") == CONSENT


def test_sign_without_a_personal_number_has_no_requirement(bankid_standin):
    order = start()
    sent = bankid_standin.orders[order.order_ref]
    assert sent.requirement == {}
    assert sent.user_non_visible_data is None
    assert "requirement" not in bankid_standin.requests[-1].body


def test_a_hyphenated_personal_number_is_sent_as_12_digits(bankid_standin):
    order = start(personal_number="19811218-9876")
    assert bankid_standin.orders[order.order_ref].requirement == {"personalNumber": PNR}


def test_collect_pending_with_hints_then_complete_with_the_evidence(bankid_standin):
    order = start(personal_number=PNR)

    assert bankid.collect(order.order_ref) == Collected("pending", "outstandingTransaction", None)
    for hint in ("noClient", "started", "userSign"):
        bankid_standin.set_hint(order.order_ref, hint)
        assert bankid.collect(order.order_ref) == Collected("pending", hint, None)

    data = bankid_standin.complete(
        order.order_ref, given_name="Åsa", surname="Öberg", bank_id_issue_date="2022-11-30"
    )
    collected = bankid.collect(order.order_ref)

    assert collected.status == "complete"
    assert collected.hint_code == ""
    evidence = collected.completion
    assert evidence is not None
    assert evidence.personal_number == PNR
    assert evidence.name == "Åsa Öberg"
    assert (evidence.given_name, evidence.surname) == ("Åsa", "Öberg")
    assert evidence.signature == data["signature"]
    assert evidence.ocsp_response == data["ocspResponse"]
    assert evidence.bank_id_issue_date == "2022-11-30"
    assert evidence.device_ip == "192.0.2.10"
    # The signature is BankID's XML, holding the text that was shown.
    xml = base64.b64decode(evidence.signature).decode()
    shown = re.search(r"<usrVisibleData>(.*)</usrVisibleData>", xml)
    assert shown and base64.b64decode(shown.group(1)).decode() == CONSENT
    # The evidence stays out of reprs (and so out of tracebacks and logs).
    for text in (repr(collected), repr(evidence), repr(order)):
        assert PNR not in text
        assert "Öberg" not in text
        assert evidence.signature not in text
        assert order.qr_start_secret not in text


def test_the_completed_personal_number_is_what_bankid_returns(bankid_standin):
    """The app compares it with the participant's: the stand-in can return another."""
    order = start()
    bankid_standin.complete(order.order_ref, personal_number="197001011239")
    completion = bankid.collect(order.order_ref).completion
    assert completion is not None and completion.personal_number == "197001011239"

    order = start()
    bankid_standin.complete(order.order_ref)
    completion = bankid.collect(order.order_ref).completion
    assert completion is not None and completion.personal_number == DEFAULT_PERSONAL_NUMBER


@pytest.mark.parametrize(
    "hint", ["userCancel", "expiredTransaction", "certificateErr", "startFailed", "cancelled"]
)
def test_collect_failed_with_its_hint(bankid_standin, hint):
    order = start()
    bankid_standin.fail(order.order_ref, hint)
    assert bankid.collect(order.order_ref) == Collected("failed", hint, None)


def test_cancel_ends_the_order(bankid_standin):
    order = start()
    bankid.cancel(order.order_ref)

    assert bankid_standin.orders[order.order_ref].cancelled
    assert bankid_standin.requests[-1].path == "/rp/v6.0/cancel"
    with pytest.raises(BankIDError) as error:
        bankid.collect(order.order_ref)
    assert (error.value.error_code, error.value.http_status) == ("invalidParameters", 400)


def test_cancel_or_collect_of_an_unknown_order_is_invalid_parameters(bankid_standin):
    for call in (bankid.cancel, bankid.collect):
        with pytest.raises(BankIDError) as error:
            call("00000000-0000-4000-8000-000000000000")
        assert error.value.error_code == "invalidParameters"
        assert error.value.http_status == 400


def test_a_second_order_for_the_same_person_is_already_in_progress(bankid_standin):
    first = start(personal_number=PNR)
    with pytest.raises(BankIDError) as error:
        start(personal_number=PNR)
    assert (error.value.error_code, error.value.http_status) == ("alreadyInProgress", 400)
    # BankID cancels the order in progress as well.
    assert bankid.collect(first.order_ref) == Collected("failed", "cancelled", None)
    assert len(bankid_standin.orders) == 1


# Errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "alreadyInProgress"),
        (400, "invalidParameters"),
        (401, "unauthorized"),
        (403, "unauthorized"),
        (404, "notFound"),
        (408, "requestTimeout"),
        (500, "internalError"),
        (503, "maintenance"),
    ],
)
@pytest.mark.parametrize("endpoint", ["sign", "collect", "cancel"])
def test_error_answers_become_bankid_errors(bankid_standin, caplog, status, code, endpoint):
    order = start() if endpoint != "sign" else None
    bankid_standin.error_next(
        status, code, endpoint=endpoint, details=f"Details about {PNR} that stay at BankID"
    )
    call = {
        "sign": lambda: start(personal_number=PNR),
        "collect": lambda: bankid.collect(order.order_ref),
        "cancel": lambda: bankid.cancel(order.order_ref),
    }[endpoint]

    with caplog.at_level(logging.DEBUG), pytest.raises(BankIDError) as error:
        call()

    assert (error.value.error_code, error.value.http_status) == (code, status)
    assert str(error.value) == f"BankID error {code} (HTTP {status})"
    assert error.value.__cause__ is None and error.value.__suppress_context__
    warnings = [r for r in caplog.records if r.name == "signing.bankid"]
    assert [r.getMessage() for r in warnings] == [
        f"BankID {endpoint} failed: {code} (HTTP {status})"
    ]
    assert PNR not in caplog.text and "Details" not in caplog.text


def test_an_error_without_an_error_code_is_named_by_its_status(bankid_standin):
    bankid_standin.error_next(503, "")
    with pytest.raises(BankIDError) as error:
        start()
    assert (error.value.error_code, error.value.http_status) == ("maintenance", 503)


def test_the_next_error_is_answered_once(bankid_standin):
    bankid_standin.error_next(503, "maintenance")
    with pytest.raises(BankIDError):
        start()
    assert start().order_ref


def test_a_slow_answer_is_unavailable(bankid_standin, settings):
    settings.RATTINSATS_BANKID_TIMEOUT = 0.3
    bankid_standin.delay_next(1.5, endpoint="sign")
    with pytest.raises(BankIDError) as error:
        start()
    assert (error.value.error_code, error.value.http_status) == ("unavailable", None)


def test_no_server_is_unavailable(bankid_standin, settings, caplog):
    settings.RATTINSATS_BANKID_ENDPOINT = f"https://127.0.0.1:{free_port()}/rp/v6.0/"
    with caplog.at_level(logging.WARNING), pytest.raises(BankIDError) as error:
        start()
    assert error.value.error_code == "unavailable"
    assert "BankID sign: no answer (ConnectError)" in caplog.text


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("end_user_ip", "not an address"),
        ("end_user_ip", ""),
        ("user_visible_data", ""),
        ("user_visible_data", "x" * 30_001),
        ("personal_number", "8112189876"),
        ("personal_number", "19811218987X"),
        ("user_non_visible_data", b""),
    ],
)
def test_arguments_bankid_would_refuse_are_value_errors(bankid_standin, argument, value):
    with pytest.raises(ValueError) as error:
        start(**{argument: value})
    assert argument in str(error.value)
    assert str(value)[:10] not in str(error.value) or not value
    assert bankid_standin.requests == []


# Mutual TLS ---------------------------------------------------------------------------


def test_a_client_with_another_certificate_is_refused(bankid_standin, settings):
    certificates = bankid_standin.certificates
    settings.RATTINSATS_BANKID_CERT = str(certificates.stranger_cert)
    settings.RATTINSATS_BANKID_KEY = str(certificates.stranger_key)
    with pytest.raises(BankIDError) as error:
        start()
    assert error.value.error_code == "unavailable"
    assert bankid_standin.wait_for_refused_handshakes(1) >= 1
    assert bankid_standin.orders == {}


def test_a_client_without_a_certificate_is_refused(bankid_standin):
    """The same request without a client certificate: the handshake fails."""
    context = ssl.create_default_context(cafile=str(bankid_standin.certificates.server_ca))
    with httpx.Client(verify=context, timeout=5) as client, pytest.raises(httpx.HTTPError):
        client.post(bankid_standin.url + "sign", json={"endUserIp": "192.0.2.10"})
    assert bankid_standin.wait_for_refused_handshakes(1) >= 1
    assert bankid_standin.orders == {}


def test_the_client_checks_the_servers_certificate(bankid_standin, settings):
    # A CA that did not issue the server's certificate.
    settings.RATTINSATS_BANKID_CA_CERT = str(bankid_standin.certificates.rp_ca)
    with pytest.raises(BankIDError) as error:
        start()
    assert error.value.error_code == "unavailable"
    assert bankid_standin.orders == {}


def test_the_right_certificate_gets_through_the_stand_in(bankid_standin):
    certificates = bankid_standin.certificates
    context = ssl.create_default_context(cafile=str(certificates.server_ca))
    context.load_cert_chain(str(certificates.rp_cert), str(certificates.rp_key))
    with httpx.Client(verify=context, timeout=5) as client:
        assert client.post(bankid_standin.url + "collect", json={"orderRef": "x"}).json() == {
            "errorCode": "invalidParameters",
            "details": "No such order.",
        }
        # BankID's answers to a wrong path, method or content type.
        assert client.post(bankid_standin.url + "nothing", json={}).status_code == 404
        wrong_method = client.get(bankid_standin.url + "sign")
        assert (wrong_method.status_code, wrong_method.json()["errorCode"]) == (
            405,
            "methodNotAllowed",
        )
        wrong_type = client.post(
            bankid_standin.url + "sign", content=b"{}", headers={"Content-Type": "text/plain"}
        )
        assert (wrong_type.status_code, wrong_type.json()["errorCode"]) == (
            415,
            "unsupportedMediaType",
        )
        unknown = client.post(
            bankid_standin.url + "sign",
            json={"endUserIp": "192.0.2.10", "userVisibleData": "SGVq", "extra": 1},
        )
        assert unknown.json()["errorCode"] == "invalidParameters"


# Configuration --------------------------------------------------------------------------


def test_not_configured_without_an_endpoint(settings):
    settings.RATTINSATS_BANKID_ENDPOINT = ""
    assert not bankid.is_configured()
    with pytest.raises(BankIDError) as error:
        start()
    assert error.value.error_code == "notConfigured"


def test_a_url_endpoint_needs_a_certificate(settings):
    settings.RATTINSATS_BANKID_ENDPOINT = "https://bankid.example/rp/v6.0/"
    settings.RATTINSATS_BANKID_CERT = ""
    assert not bankid.is_configured()
    settings.RATTINSATS_BANKID_ENDPOINT = "http://plain.example/rp/v6.0/"
    settings.RATTINSATS_BANKID_CERT = "/etc/rp.pem"
    assert not bankid.is_configured()


def test_the_public_test_environment_uses_bankids_test_certificate(settings):
    """RATTINSATS_BANKID_ENDPOINT=test alone: BankID's test endpoint, its public
    test RP certificate (FPTestcert5) and its test root (no request is made)."""
    settings.RATTINSATS_BANKID_ENDPOINT = "test"
    settings.RATTINSATS_BANKID_CERT = ""
    settings.RATTINSATS_BANKID_KEY = ""
    settings.RATTINSATS_BANKID_CA_CERT = ""
    assert bankid.is_configured()
    config = bankid._config()
    assert config is not None
    assert config.api_url == "https://appapi2.test.bankid.com/rp/v6.0/"
    assert config.cert.endswith("FPTestcert5_20240610_cert.pem")
    assert config.ca_cert.endswith("appapi2.test.bankid.com.pem")
    client = bankid._client()
    assert client._sign_endpoint == "https://appapi2.test.bankid.com/rp/v6.0/sign"


def test_production_needs_its_own_certificate(settings):
    settings.RATTINSATS_BANKID_ENDPOINT = "production"
    settings.RATTINSATS_BANKID_CERT = ""
    assert not bankid.is_configured()


def test_a_missing_certificate_file_is_unavailable(bankid_standin, settings, caplog):
    settings.RATTINSATS_BANKID_CERT = "/nonexistent/rp.pem"
    with caplog.at_level(logging.ERROR), pytest.raises(BankIDError) as error:
        start()
    assert error.value.error_code == "unavailable"
    assert "could not be loaded (FileNotFoundError)" in caplog.text
    assert "/nonexistent" not in caplog.text


# Nothing BankID returns reaches a log ------------------------------------------------------


LIBRARY_LOGGERS = ("httpx", "httpcore", "bankid", "signing", "urllib3", "requests", "")


def test_nothing_of_the_completion_reaches_the_logs(bankid_standin, caplog):
    for name in LIBRARY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)

    order = start(personal_number=PNR, user_non_visible_data=b"hidden-consent-ref")
    bankid.collect(order.order_ref)
    bankid_standin.set_hint(order.order_ref, "userSign")
    bankid.collect(order.order_ref)
    data = bankid_standin.complete(order.order_ref, given_name="Åsa", surname="Öberg")
    collected = bankid.collect(order.order_ref)
    bankid_standin.error_next(400, "alreadyInProgress", details=f"in progress for {PNR}")
    with pytest.raises(BankIDError):
        start(personal_number=PNR)

    assert collected.completion is not None
    # The HTTP library did log at DEBUG (so the check below means something)…
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    # … but none of what BankID returned, nor what was signed.
    secrets_of_the_order = [
        PNR,
        "Åsa",
        "Öberg",
        data["user"]["name"],
        data["signature"][:40],
        data["ocspResponse"][:40],
        data["device"]["uhi"],
        order.qr_start_secret,
        order.auto_start_token,
        "Samtycke",
        base64.b64encode(CONSENT.encode()).decode()[:40],
        "hidden-consent-ref",
    ]
    for secret in secrets_of_the_order:
        assert secret not in logged, secret


# The animated QR code ---------------------------------------------------------------------

# BankID's documented example (developer guide, "QR code"): qrStartToken,
# qrStartSecret and the QR content at qrTime 0.
DOC_TOKEN = "67df3917-fa0d-44e5-b327-edcc928297f8"
DOC_SECRET = "d28db9a7-4cde-429e-a983-359be676944c"
DOC_QR_0 = (
    "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0."
    "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
)


def test_qr_data_matches_bankids_documented_example():
    assert qr.qr_data(DOC_TOKEN, DOC_SECRET, 0) == DOC_QR_0


def test_qr_data_format_and_hmac():
    content = qr.qr_data(DOC_TOKEN, DOC_SECRET, 7)
    prefix, token, seconds, code = content.split(".")
    assert (prefix, token, seconds) == ("bankid", DOC_TOKEN, "7")
    assert re.fullmatch(r"[0-9a-f]{64}", code)
    assert code == hmac.new(DOC_SECRET.encode(), b"7", hashlib.sha256).hexdigest()


def test_qr_data_changes_every_second():
    codes = [qr.qr_data(DOC_TOKEN, DOC_SECRET, second) for second in range(30)]
    assert len(set(codes)) == 30
    assert [c.split(".")[2] for c in codes] == [str(s) for s in range(30)]


def test_qr_data_agrees_with_pybankid():
    started = time.time() - 5.5  # 5 whole seconds ago, whatever the clock does meanwhile
    assert qr.qr_data(DOC_TOKEN, DOC_SECRET, 5) == generate_qr_code_content(
        DOC_TOKEN, started, DOC_SECRET
    )


def test_qr_data_for_an_order_from_the_stand_in(bankid_standin):
    order = start()
    sent = bankid_standin.orders[order.order_ref]
    content = qr.qr_data(order.qr_start_token, order.qr_start_secret, 3)
    expected = hmac.new(sent.qr_start_secret.encode(), b"3", hashlib.sha256).hexdigest()
    assert content == f"bankid.{sent.qr_start_token}.3.{expected}"


def test_qr_data_refuses_negative_time():
    with pytest.raises(ValueError):
        qr.qr_data(DOC_TOKEN, DOC_SECRET, -1)


def test_autostart_url():
    token = "46f6aa68-9c4a-4cbe-a5e6-2d4a1ef67f84"
    assert qr.autostart_url(token) == f"bankid:///?autostarttoken={token}&redirect=null"
    assert qr.autostart_url(token, "https://ratt-insats.example.se/s/1?x=1") == (
        f"bankid:///?autostarttoken={token}"
        "&redirect=https%3A%2F%2Fratt-insats.example.se%2Fs%2F1%3Fx%3D1"
    )


# BankID's recommended messages ----------------------------------------------------------


RFA = {
    "RFA1": "Starta BankID-appen.",
    "RFA3": "Åtgärden avbröts. Försök igen.",
    "RFA4": "En identifiering eller underskrift pågår redan för ditt personnummer. Försök igen.",
    "RFA5": "Något gick fel. Försök igen.",
    "RFA6": "Åtgärden avbröts.",
    "RFA8": "BankID-appen svarar inte. Kontrollera att den är startad och att du har "
    "internetanslutning. Försök sedan igen.",
    "RFA9": "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
    "RFA13": "Försöker starta BankID-appen.",
    "RFA15B": "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här enheten.",
    "RFA16": "Ditt BankID är för gammalt eller spärrat. Använd ett annat BankID eller skaffa "
    "ett nytt hos din bank.",
    "RFA17A": "Du verkar inte ha BankID-appen/programmet. Installera den och skaffa ett BankID "
    "hos din bank.",
    "RFA17B": "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden.",
    "RFA21": "En identifiering eller underskrift pågår.",
    "RFA22": "Något gick fel. Försök igen.",
    "RFA23": "Fotografera och läs av din ID-handling med BankID-appen.",
}


@pytest.mark.parametrize(
    ("status", "hint", "with_qr", "same_device"),
    [
        ("pending", "outstandingTransaction", "RFA1", "RFA13"),
        ("pending", "noClient", "RFA1", "RFA1"),
        ("pending", "started", "RFA15B", "RFA15B"),
        ("pending", "userSign", "RFA9", "RFA9"),
        ("pending", "userMrtd", "RFA23", "RFA23"),
        ("pending", "userCallConfirm", "RFA21", "RFA21"),
        ("pending", "somethingNew", "RFA21", "RFA21"),
        ("pending", "", "RFA21", "RFA21"),
        ("failed", "userCancel", "RFA6", "RFA6"),
        ("failed", "expiredTransaction", "RFA8", "RFA8"),
        ("failed", "certificateErr", "RFA16", "RFA16"),
        ("failed", "startFailed", "RFA17B", "RFA17A"),
        ("failed", "cancelled", "RFA3", "RFA3"),
        ("failed", "transactionRiskBlocked", "RFA22", "RFA22"),
        ("failed", "", "RFA22", "RFA22"),
    ],
)
def test_messages_for_hint_codes(status, hint, with_qr, same_device):
    with translation.override("sv"):
        assert messages.user_message(status=status, hint_code=hint, qr=True) == RFA[with_qr]
        assert messages.user_message(status=status, hint_code=hint, qr=False) == RFA[same_device]


@pytest.mark.parametrize(
    ("code", "rfa"),
    [
        ("alreadyInProgress", "RFA4"),
        ("requestTimeout", "RFA5"),
        ("internalError", "RFA5"),
        ("maintenance", "RFA5"),
        ("unavailable", "RFA5"),
        ("invalidParameters", "RFA22"),
        ("unauthorized", "RFA22"),
        ("notFound", "RFA22"),
        ("notConfigured", "RFA22"),
        ("somethingNew", "RFA22"),
    ],
)
@pytest.mark.parametrize("with_qr", [True, False])
def test_messages_for_error_codes(code, rfa, with_qr):
    with translation.override("sv"):
        message = messages.user_message(status="", error_code=code, qr=with_qr)
        assert message == RFA[rfa]
        # The error code wins over a status and hint.
        assert (
            messages.user_message(
                status="pending", hint_code="userSign", error_code=code, qr=with_qr
            )
            == message
        )


def test_a_completed_order_has_no_message():
    assert messages.user_message(status="complete", qr=True) == ""


def test_an_unknown_status_is_an_unknown_error():
    with translation.override("sv"):
        assert messages.user_message(status="weird", qr=False) == RFA["RFA22"]


def test_messages_follow_the_language():
    with translation.override("sv"):
        swedish = messages.user_message(status="pending", hint_code="userSign", qr=True)
    with translation.override("en"):
        english = messages.user_message(status="pending", hint_code="userSign", qr=True)
    assert swedish == RFA["RFA9"]
    assert english == "Enter your security code in the BankID app and select Identify or Sign."


def test_messages_for_a_real_collect(bankid_standin):
    order = start()
    collected = bankid.collect(order.order_ref)
    with translation.override("sv"):
        assert (
            messages.user_message(status=collected.status, hint_code=collected.hint_code, qr=False)
            == (RFA["RFA13"])
        )


def test_bankid_error_prints_no_more_than_its_code():
    error = BankIDError("maintenance", 503)
    assert (error.error_code, error.http_status) == ("maintenance", 503)
    assert str(error) == "BankID error maintenance (HTTP 503)"
    assert repr(error) == "BankIDError('maintenance', 503)"
    assert str(BankIDError("unavailable")) == "BankID error unavailable"


def test_the_stand_in_serves_the_app_in_another_thread(bankid_standin):
    """As in a browser test: the app runs in live_server's thread, the test
    moves the order along in its own."""
    import threading

    results: list[object] = []

    def app() -> None:
        order = start()
        while (collected := bankid.collect(order.order_ref)).status == "pending":
            time.sleep(0.05)
        results.append(collected)

    thread = threading.Thread(target=app)
    thread.start()
    order = bankid_standin.wait_for_order()
    bankid_standin.wait_for_collects(order.order_ref, count=2)
    bankid_standin.complete(order.order_ref)
    thread.join(timeout=10)
    assert [r.status for r in results] == ["complete"]  # type: ignore[attr-defined]
