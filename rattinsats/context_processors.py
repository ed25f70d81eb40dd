from django.urls import NoReverseMatch, reverse

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
    return {
        "nav_items": menu_for(user, request.path),
        "unread_notifications": unread_notifications,
        "open_task_count": open_task_count,
        "task_url": task_url,
    }
