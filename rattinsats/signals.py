"""Authentication events go to the audit trail. (Domain changes are logged by
the services, never by signals.)"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import Action, audit_log
from .drafts import drafts_expired_delete


@receiver(user_logged_in)
def _log_login(sender, request, user, **kwargs):
    audit_log(actor=user, action=Action.LOGIN, object_type="session")


@receiver(user_logged_in)
def _drafts_expired_delete(sender, request, user, **kwargs):
    # Form drafts live an hour; logins are frequent enough to clear them.
    drafts_expired_delete()


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action=Action.LOGOUT, object_type="session")


@receiver(user_login_failed)
def _log_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username is not stored: people type the wrong thing
    # into that field, personal identity numbers included.
    audit_log(actor=None, action=Action.LOGIN_FAILED, object_type="session")
