from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from .middleware import session_idle_seconds
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}

    # Callables: templates call them lazily, so only pages that render the
    # header pay for its two counts and the user's organisation, asked
    # together in one query.
    header: dict = {}

    def asked(name: str):
        if not header:
            header.update(_header(user))
        return header[name]

    def unread_notifications():
        return asked("unread")

    def open_task_count():
        return asked("tasks")

    def user_organisation():
        return asked("organisation")

    try:
        task_url = reverse("casework:tasks")
    except NoReverseMatch:
        task_url = None
    warning_seconds = min(settings.RATTINSATS_SESSION_WARNING_SECONDS, settings.SESSION_COOKIE_AGE)
    return {
        "nav_items": menu_for(user, request.path),
        "unread_notifications": unread_notifications,
        "open_task_count": open_task_count,
        "user_organisation": user_organisation,
        "task_url": task_url,
        # The idle-timeout warning (templates/base.html, static/js/session_timeout.js).
        "session_idle_seconds": session_idle_seconds(getattr(request, "session", None)),
        "session_warning_seconds": warning_seconds,
        "session_warning_minutes": max(1, round(warning_seconds / 60)),
    }


def _header(user) -> dict:
    """The user's unread notifications, open tasks (none for those
    outside the project team) and organisation's name ("" for none), in
    one query."""
    notifications = user.notifications.model.objects.filter(
        user=OuterRef("pk"), read_at__isnull=True
    )
    asked = {
        "unread_count": _counted(notifications, "user"),
        "organisation_name": F("organisation__name"),
    }
    if user.is_casework:
        tasks = user.tasks.model.objects.filter(assignee=OuterRef("pk"), done_at__isnull=True)
        asked["open_task_count"] = _counted(tasks, "assignee")
    found = user._meta.model.objects.filter(pk=user.pk).values(**asked).first() or {}
    return {
        "unread": found.get("unread_count", 0),
        "tasks": found.get("open_task_count", 0),
        "organisation": found.get("organisation_name") or "",
    }


def _counted(queryset, owner: str) -> Coalesce:
    """The rows of ``queryset`` (one owner's) as a scalar subquery."""
    rows = queryset.order_by().values(owner).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))
