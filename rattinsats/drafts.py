"""A form posted after the session ended is not lost (README, "Sessions").

When a POST reaches a view marked with :func:`accepts_form_draft` without a
signed-in user (the session timed out, or was ended in another tab), the
login middleware keeps the posted fields in a :class:`FormDraft` for an
hour and sends the user to the login page. Only a random token travels, in
the ``next`` address; the data stays on the server. After the login the form
page claims the draft with :func:`draft_claim` and shows it as the form's
data, for the user to review and send again with a fresh CSRF token.

A draft can be claimed only

- from the browser session that posted it (the session holds the hashes of
  its tokens, and survives the login),
- by the user who was signed in in that browser before (a keyed hash of
  their id in a cookie; a draft posted without it goes to whoever signs in
  in that session), and
- once: it is deleted when used, and expired drafts are deleted on the way.

Files are never kept, nor the CSRF token; a post larger than
``MAX_DRAFT_CHARS`` is not kept at all. Nothing is logged.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import FormDraft

# The query parameter that carries the token after the login.
DRAFT_PARAM = "utkast"
DRAFT_LIFETIME = timedelta(hours=1)
MAX_DRAFT_CHARS = 256 * 1024
# The session key listing the hashes of the drafts this session may claim.
SESSION_KEY = "rattinsats_form_drafts"
MAX_DRAFTS_PER_SESSION = 10
# A keyed hash of the signed-in user's id, kept past the end of the session.
OWNER_COOKIE = "rattinsats_owner"
IGNORED_FIELDS = frozenset({"csrfmiddlewaretoken"})

View = TypeVar("View", bound=Callable[..., HttpResponse])


def accepts_form_draft(view: View) -> View:
    """Mark a form view whose POST, arriving after the session ended, is
    kept as a draft (put it above the other decorators)."""
    view.accepts_form_draft = True  # type: ignore[attr-defined]
    return view


def owner_hint(user) -> str:
    return salted_hmac("rattinsats.drafts.owner", str(user.pk), algorithm="sha256").hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def drafts_expired_delete() -> None:
    expired = FormDraft.objects.filter(expires_at__lte=timezone.now())
    # A read in the usual case, when there is nothing to delete.
    if expired.exists():
        expired.delete()


def draft_stash(request: HttpRequest) -> str | None:
    """Keep the fields of an anonymous POST; the token, or None if nothing
    was kept (no fields, or too much)."""
    data = {name: request.POST.getlist(name) for name in request.POST if name not in IGNORED_FIELDS}
    if not data or len(json.dumps(data)) > MAX_DRAFT_CHARS:
        return None
    hint = request.COOKIES.get(OWNER_COOKIE, "")
    if len(hint) != 64:
        hint = ""
    token = secrets.token_urlsafe(32)
    digest = _token_hash(token)
    now = timezone.now()
    drafts_expired_delete()
    FormDraft.objects.create(
        token_hash=digest,
        path=request.path,
        data=data,
        owner_hint=hint,
        expires_at=now + DRAFT_LIFETIME,
    )
    known = list(request.session.get(SESSION_KEY, []))[-(MAX_DRAFTS_PER_SESSION - 1) :]
    request.session[SESSION_KEY] = [*known, digest]
    return token


def draft_claim(request: HttpRequest) -> QueryDict | None:
    """The draft for this page named by the ``utkast`` parameter, as form
    data, if this user in this session may have it; it is deleted."""
    token = request.GET.get(DRAFT_PARAM, "")
    user = getattr(request, "user", None)
    if request.method != "GET" or not token or user is None or not user.is_authenticated:
        return None
    drafts_expired_delete()
    digest = _token_hash(token)
    known = list(request.session.get(SESSION_KEY, []))
    if digest not in known:
        return None
    with transaction.atomic():
        draft = (
            FormDraft.objects.select_for_update()
            .filter(token_hash=digest, path=request.path, expires_at__gt=timezone.now())
            .first()
        )
        if draft is None:
            return None
        if draft.owner_hint and not constant_time_compare(draft.owner_hint, owner_hint(user)):
            return None
        draft.delete()
    known.remove(digest)
    request.session[SESSION_KEY] = known
    data = QueryDict(mutable=True)
    values: dict[str, Any] = draft.data if isinstance(draft.data, dict) else {}
    for name, items in values.items():
        if isinstance(items, list):
            data.setlist(str(name), [str(item) for item in items])
    messages.warning(request, _("Dina ändringar är inte sparade ännu – granska och spara."))
    return data


def owner_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    """Remember, in this browser, who is signed in (a keyed hash of the id):
    a draft posted after the session ends is bound to that user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    hint = owner_hint(user)
    if request.COOKIES.get(OWNER_COOKIE) == hint:
        return
    response.set_cookie(
        OWNER_COOKIE,
        hint,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
