"""Telling users that something happened: one way for every app.

:func:`notification_send` saves an in-app notification for each user and,
after the transaction commits, sends an e-mail to those with an address. A
rolled-back change notifies no one; a mail server that fails after the
commit is logged and never turns the user's request into an error (the
in-app notification is already saved).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Notification, User

logger = logging.getLogger(__name__)


def notification_send(
    users: Iterable[User | None],
    message: str,
    url: str = "",
    *,
    mail: bool = True,
    mail_subject: str = "",
    mail_body: str = "",
) -> list[Notification]:
    """Notify each active user of ``users`` in the app, and by e-mail after
    commit when ``mail`` is set.

    The e-mail carries no personal data: its subject and body are
    ``mail_subject`` and ``mail_body`` when given, else ``message`` and a
    link to ``url``. ``message`` itself is shown only in the app.
    """
    recipients = [u for u in users if u is not None and u.is_active]
    notifications = Notification.objects.bulk_create(
        Notification(user=u, message=message[:200], url=url) for u in recipients
    )
    addresses = [u.email for u in recipients if u.email]
    if not (mail and addresses):
        return notifications
    subject = mail_subject or _("Rätt insats: %(message)s") % {"message": message}
    link = settings.SITE_URL.rstrip("/") + url if url else settings.SITE_URL
    body = mail_body or _("%(message)s\n\nLogga in i Rätt insats för att se mer:\n%(link)s\n") % {
        "message": message,
        "link": link,
    }
    transaction.on_commit(lambda: _mail_send(subject, body, addresses))
    return notifications


def _mail_send(subject: str, body: str, addresses: list[str]) -> None:
    for address in addresses:
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
        except Exception as exc:
            # Logged without the address or the server's reply, which may
            # name it: the log holds no personal data.
            logger.error("A notification e-mail could not be sent (%s)", type(exc).__name__)
