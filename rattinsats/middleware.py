import time
from contextvars import ContextVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from . import drafts

# When the session was last renewed (epoch seconds), in the session.
SESSION_RENEWED = "_renewed"


def session_renew(session, *, now: int | None = None, force: bool = False) -> None:
    """Renew the session (its idle timeout starts again) when it was last
    renewed ``RATTINSATS_SESSION_RENEW_SECONDS`` ago or more, or at once
    with ``force``: storing the time marks it changed, and the session
    middleware then writes it with a new expiry date."""
    now = int(time.time()) if now is None else now
    renewed = session.get(SESSION_RENEWED)
    if (
        force
        or not isinstance(renewed, int)
        or now - renewed >= settings.RATTINSATS_SESSION_RENEW_SECONDS
    ):
        session[SESSION_RENEWED] = now


def session_idle_seconds(session) -> int:
    """Seconds until the session ends unless renewed: the idle timeout
    less the time since it was last renewed."""
    age = settings.SESSION_COOKIE_AGE
    renewed = session.get(SESSION_RENEWED) if session is not None else None
    if not isinstance(renewed, int):
        return age
    return max(0, age - max(0, int(time.time()) - renewed))


def session_not_renewed(view):
    """Mark a view whose requests do not renew the session (a page's own
    polling for a job or a signature): only what the user does keeps them
    signed in."""
    view.session_renews = False
    return view


class SessionRenewalMiddleware(MiddlewareMixin):
    """The idle timeout (``SESSION_COOKIE_AGE``) without a database write
    on every request: a request renews a signed-in session when it was
    last renewed a minute ago or more (:func:`session_renew`), so the
    session ends between 29 and 30 minutes after the last request, and
    the page's warning counts from the last renewal
    (:func:`session_idle_seconds`). Writing the session on every request
    (``SESSION_SAVE_EVERY_REQUEST``) cost each page an UPDATE and a
    COMMIT."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "session_renews", True):
            return None
        session = getattr(request, "session", None)
        if session is not None and session.session_key and session.keys():
            session_renew(session)
        return None


# The client address of the request being served, for the audit trail.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class NoStoreMiddleware:
    """Pages of this app may show personal data: no browser or proxy keeps them.

    Static files are answered by WhiteNoise before this runs, so they stay
    cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's login requirement, which also keeps a form posted after the
    session ended (``rattinsats.drafts``): the fields stay on the server, the
    login redirect carries a token, and the form page shows them again after
    the login. It also remembers who is signed in in the browser, so that
    only they get such a draft back."""

    def handle_no_permission(self, request, view_func):
        if request.method == "POST" and getattr(view_func, "accepts_form_draft", False):
            token = drafts.draft_stash(request)
            if token:
                messages.info(
                    request,
                    _(
                        "Du har blivit utloggad. Logga in igen, så kommer du tillbaka till "
                        "formuläret med det du skrev."
                    ),
                )
                return redirect_to_login(
                    f"{request.path}?{urlencode({drafts.DRAFT_PARAM: token})}",
                    resolve_url(self.get_login_url(view_func)),
                    self.get_redirect_field_name(view_func),
                )
        return super().handle_no_permission(request, view_func)

    def process_response(self, request, response):
        drafts.owner_cookie_set(request, response)
        return response


class LanguageMiddleware(MiddlewareMixin):
    """Swedish unless the user chose English with the language switch (the
    choice is kept in a cookie). Unlike Django's LocaleMiddleware it never
    follows the browser's Accept-Language: the app is Swedish first."""

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
