from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from .compiled import compiled_rows
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
    one query whose SQL is compiled once a process
    (:mod:`rattinsats.compiled`): the header is on every page, and
    compiling its two correlated subqueries took longer than running
    them."""
    model, casework = user._meta.model, bool(user.is_casework)
    rows = compiled_rows(
        ("header", model._meta.label, casework),
        lambda pk: _header_query(model, casework, pk),
        user.pk,
    )
    unread, tasks, organisation = rows[0] if rows else (0, 0, "")
    return {"unread": unread, "tasks": tasks, "organisation": organisation or ""}


def _header_query(model, casework: bool, pk: int):
    notifications = model.notifications.rel.related_model.objects.filter(
        user=OuterRef("pk"), read_at__isnull=True
    )
    tasks = model.tasks.rel.related_model.objects.filter(
        assignee=OuterRef("pk"), done_at__isnull=True
    )
    return (
        model.objects.filter(pk=pk)
        .annotate(
            unread_count=_counted(notifications, "user"),
            open_task_count=_counted(tasks, "assignee") if casework else Value(0),
            organisation_name=F("organisation__name"),
        )
        .order_by()
        .values_list("unread_count", "open_task_count", "organisation_name")
    )


def _counted(queryset, owner: str) -> Coalesce:
    """The rows of ``queryset`` (one owner's) as a scalar subquery."""
    rows = queryset.order_by().values(owner).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))
