from contextvars import ContextVar

from django.utils.cache import add_never_cache_headers

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
