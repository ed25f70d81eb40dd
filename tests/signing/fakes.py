"""An in-process fake of ``signing.bankid`` for the tests of the signing
services and pages (the browser test uses the HTTPS stand-in instead), and
the consent text version the data migration creates."""

from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass, field

from participants.models import ConsentText
from signing import bankid

_numbers = itertools.count(1)
VERSION_1 = importlib.import_module("participants.migrations.0009_consent_text_version_1").VERSION_1


def ensure_consent_text() -> ConsentText:
    """Version 1, as the data migration creates it (transactional tests
    empty every table)."""
    text, _created = ConsentText.objects.get_or_create(
        version=1, defaults={k: v for k, v in VERSION_1.items() if k != "version"}
    )
    return text


@dataclass
class FakeOrder:
    status: str = "pending"
    hint: str = "outstandingTransaction"
    completion: bankid.Completion | None = None
    sent: dict = field(default_factory=dict)


class FakeBankID:
    def __init__(self) -> None:
        self.orders: dict[str, FakeOrder] = {}
        self.collects: list[str] = []
        self.cancelled: list[str] = []
        self.start_error = ""

    # The module's functions.
    def sign(
        self, *, end_user_ip, user_visible_data, user_non_visible_data=None, personal_number=None
    ):
        if self.start_error:
            raise bankid.BankIDError(self.start_error, 400)
        n = next(_numbers)
        ref = f"a1b2c3d4-0000-4000-8000-{n:012d}"
        self.orders[ref] = FakeOrder(
            sent={
                "end_user_ip": end_user_ip,
                "user_visible_data": user_visible_data,
                "user_non_visible_data": user_non_visible_data,
                "personal_number": personal_number,
            }
        )
        return bankid.Order(
            order_ref=ref,
            auto_start_token=f"auto-{n}",
            qr_start_token=f"qrtoken-{n}",
            qr_start_secret=f"secret-{n}",
        )

    def collect(self, order_ref):
        self.collects.append(order_ref)
        order = self.orders[order_ref]
        return bankid.Collected(
            status=order.status, hint_code=order.hint, completion=order.completion
        )

    def cancel(self, order_ref):
        self.cancelled.append(order_ref)
        self.orders[order_ref].status = "failed"
        self.orders[order_ref].hint = "cancelled"

    # Control.
    @property
    def last_ref(self) -> str:
        return list(self.orders)[-1]

    def complete(self, order_ref, *, personal_number, name="Tove Testdotter"):
        given, _, surname = name.partition(" ")
        order = self.orders[order_ref]
        order.status, order.hint = "complete", ""
        order.completion = bankid.Completion(
            personal_number=personal_number,
            name=name,
            given_name=given,
            surname=surname,
            signature="PFNpZ25hdHVyZT5mYWtlPC9TaWduYXR1cmU+",  # <Signature>fake</Signature>
            ocsp_response="MIIBfakeOCSP+/==",
            bank_id_issue_date="2024-03-01",
            device_ip="192.0.2.10",
        )

    def fail(self, order_ref, hint):
        self.orders[order_ref].status = "failed"
        self.orders[order_ref].hint = hint

    def set_hint(self, order_ref, hint):
        self.orders[order_ref].hint = hint


def install_fake_bankid(monkeypatch) -> FakeBankID:
    """Put the fake in place of signing.bankid's functions (each test
    module's ``fake_bankid`` fixture calls it)."""
    fake = FakeBankID()
    monkeypatch.setattr(bankid, "is_configured", lambda: True)
    monkeypatch.setattr(bankid, "sign", fake.sign)
    monkeypatch.setattr(bankid, "collect", fake.collect)
    monkeypatch.setattr(bankid, "cancel", fake.cancel)
    ensure_consent_text()
    return fake


def collect_now(order):
    """Collect, past the once-a-second throttle."""
    from signing import services
    from signing.models import SigningOrder

    SigningOrder.objects.filter(pk=order.pk).update(last_collected_at=None)
    order.refresh_from_db()
    return services.order_collect(order)
