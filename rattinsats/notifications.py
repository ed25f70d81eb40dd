"""Telling users that something happened: one way for every app.

:func:`notification_send` saves an in-app notification for each user at
once and, after the transaction commits, queues one background job per
e-mail (:func:`user_mail_send`): no mail is ever sent during a request. A
rolled-back change notifies no one. The job gets the user's id, never the
address, and reads the address when it runs; a mail server that fails is
logged without the address, and the mail is tried again later (at most
``RATTINSATS_JOB_MAX_ATTEMPTS`` times, not after a permanent refusal).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Notification, User

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """A mail job's attempt failed. Its message names only the kind of
    error, never the address or the server's reply, which may name it:
    the job's stored traceback and the log hold no personal data."""


def notification_send(
    users: Iterable[User | None],
    message: str,
    url: str = "",
    *,
    mail: bool = True,
    mail_subject: str = "",
    mail_body: str = "",
) -> list[Notification]:
    """Notify each active user of ``users`` in the app, and by e-mail (a
    background job queued after commit) when ``mail`` is set.

    The e-mail carries no personal data: its subject and body are
    ``mail_subject`` and ``mail_body`` when given, else ``message`` and a
    link to ``url``. ``message`` itself is shown only in the app.
    """
    recipients = [u for u in users if u is not None and u.is_active]
    notifications = Notification.objects.bulk_create(
        Notification(user=u, message=message[:200], url=url) for u in recipients
    )
    user_ids = [u.pk for u in recipients if u.email]
    if not (mail and user_ids):
        return notifications
    subject = mail_subject or _("Rätt insats: %(message)s") % {"message": message}
    link = settings.SITE_URL.rstrip("/") + url if url else settings.SITE_URL
    body = mail_body or _("%(message)s\n\nLogga in i Rätt insats för att se mer:\n%(link)s\n") % {
        "message": message,
        "link": link,
    }
    transaction.on_commit(lambda: mails_enqueue(user_ids, subject, body))
    return notifications


def mails_enqueue(user_ids: Iterable[int], subject: str, body: str) -> None:
    """Queue one mail job per user. ``subject`` and ``body`` are stored in
    the job's row until it is pruned: they must hold no personal data. A
    queue that cannot be written to is logged, never raised: the change
    that caused the mail is already committed."""
    for user_id in user_ids:
        try:
            user_mail_send.enqueue(user_id, subject, body)
        except Exception as exc:
            logger.error("A notification e-mail could not be queued (%s)", type(exc).__name__)


@task()
def user_mail_send(user_id: int, subject: str, body: str, attempt: int = 1) -> str:
    """The mail job: send ``subject`` and ``body`` to the user's address as
    the database has it now (none for a user since deactivated or without
    an address). A failed attempt is logged without the address and tried
    again later, unless the server refused the address for good; the last
    failure is logged as an error. Each failed attempt ends as a failed
    job whose error names only the kind of failure."""
    address = (
        User.objects.filter(pk=user_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .first()
    )
    if address is None:
        return "no address"
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    except Exception as exc:
        kind = type(exc).__name__
        if _mail_retry(user_id, subject, body, attempt, exc):
            logger.warning(
                "A notification e-mail could not be sent (%s); trying again later "
                "(attempt %d of %d)",
                kind,
                attempt,
                settings.RATTINSATS_JOB_MAX_ATTEMPTS,
            )
        else:
            # Logged without the address or the server's reply, which may
            # name it: the log holds no personal data.
            logger.error("A notification e-mail could not be sent (%s)", kind)
        # Not chained: the original exception's text may hold the address.
        raise MailNotSent(kind) from None
    return "sent"


def _mail_retry(user_id: int, subject: str, body: str, attempt: int, exc: Exception) -> bool:
    """Queue the next attempt of a failed mail, ``attempt`` ×
    ``RATTINSATS_MAIL_RETRY_MINUTES`` from now. Not after the last attempt,
    not after a permanent refusal (a 5xx answer), and not where the jobs'
    backend cannot wait (the tests' immediate backend)."""
    if attempt >= settings.RATTINSATS_JOB_MAX_ATTEMPTS or _permanent(exc):
        return False
    if not user_mail_send.get_backend().supports_defer:
        return False
    later = timezone.now() + datetime.timedelta(
        minutes=settings.RATTINSATS_MAIL_RETRY_MINUTES * attempt
    )
    try:
        user_mail_send.using(run_after=later).enqueue(user_id, subject, body, attempt=attempt + 1)
    except Exception as queue_exc:
        logger.error("A notification e-mail could not be queued (%s)", type(queue_exc).__name__)
        return False
    return True


def _permanent(exc: Exception) -> bool:
    """Whether the mail server refused for good (5xx): trying again would
    give the same answer."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False
