from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .middleware import session_idle_seconds
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}

    # Callables: templates call them lazily, so only pages that render the
    # header pay for the two counts.
    def unread_notifications():
        return user.notifications.filter(read_at__isnull=True).count()

    def open_task_count():
        return user.tasks.filter(done_at__isnull=True).count() if user.is_casework else 0

    try:
        task_url = reverse("casework:tasks")
    except NoReverseMatch:
        task_url = None
    warning_seconds = min(settings.RATTINSATS_SESSION_WARNING_SECONDS, settings.SESSION_COOKIE_AGE)
    return {
        "nav_items": menu_for(user, request.path),
        "unread_notifications": unread_notifications,
        "open_task_count": open_task_count,
        "task_url": task_url,
        # The idle-timeout warning (templates/base.html, static/js/session_timeout.js).
        "session_idle_seconds": session_idle_seconds(getattr(request, "session", None)),
        "session_warning_seconds": warning_seconds,
        "session_warning_minutes": max(1, round(warning_seconds / 60)),
    }
