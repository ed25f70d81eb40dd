from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .navigation import start_url_for


@require_GET
def start(request):
    """Send each role to its own start page."""
    url = start_url_for(request.user)
    if url:
        return redirect(url)
    return render(request, "start.html")


@require_http_methods(["GET", "HEAD"])
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    return render(request, "notifications.html", {"items": items})


@require_POST
def notifications_mark_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("Alla aviseringar är markerade som lästa."))
    return redirect("notifications")


login = login_not_required(
    auth_views.LoginView.as_view(
        template_name="registration/login.html", redirect_authenticated_user=True
    )
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change.html",
    success_url="/konto/losenord/klart/",
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_change_done.html"
)
