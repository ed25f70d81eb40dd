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
