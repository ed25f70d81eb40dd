"""The BankID stand-in for the signing tests (tests/signing/standin.py).

``bankid_standin``: the stand-in server (one for the session, started on
first use, on a free loopback port), emptied before and after each test, with
the ``RATTINSATS_BANKID_*`` settings pointing signing.bankid at it for the
test. The settings are overridden process-wide, so the app served by
``live_server`` (a thread of the test process) talks to it as well:

    def test_signing(page, live_server, bankid_standin):
        ...                                  # staff start the signing
        order = bankid_standin.wait_for_order()
        bankid_standin.set_hint(order.order_ref, "userSign")
        bankid_standin.complete(order.order_ref)   # the participant signs
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from signing import bankid

from .standin import BankIDStandIn, Certificates, make_certificates


@pytest.fixture(scope="session")
def bankid_certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """The throwaway CAs and certificates of the stand-in and its clients."""
    return make_certificates(tmp_path_factory.mktemp("bankid-pki"))


@pytest.fixture(scope="session")
def bankid_standin_server(bankid_certificates: Certificates) -> Iterator[BankIDStandIn]:
    server = BankIDStandIn(bankid_certificates)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        bankid._reset_clients()


@pytest.fixture
def bankid_standin(bankid_standin_server: BankIDStandIn) -> Iterator[BankIDStandIn]:
    """The stand-in, empty, with signing.bankid configured to use it."""
    bankid_standin_server.reset()
    with override_settings(**bankid_standin_server.settings()):
        yield bankid_standin_server
    bankid_standin_server.reset()
