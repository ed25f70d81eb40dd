"""Authentication events go to the audit trail. (Domain changes are logged by
the services, never by signals.) A change to a user's row renews what
processes keep from the users' rows (:mod:`rattinsats.user_lists`), however
it was saved: by a service, the admin or a command."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .audit import Action, audit_log
from .drafts import drafts_expired_delete
from .models import User
from .user_lists import users_changed

# A save of these fields alone changes no list of users (a login's time).
_UNLISTED_FIELDS = frozenset({"last_login"})


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


@receiver(post_save, sender=User)
def _user_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or not set(update_fields) <= _UNLISTED_FIELDS:
        users_changed()


@receiver(post_delete, sender=User)
def _user_deleted(sender, instance, **kwargs):
    users_changed()
