import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import twofactor
from .middleware import session_renew
from .models import Role, User
from .navigation import start_url_for
from .permissions import role_required


@require_GET
def start(request):
    """Send each role to its own start page."""
    url = start_url_for(request.user)
    if url:
        return redirect(url)
    return render(request, "start.html")


@login_not_required
@require_POST
def session_keepalive(request):
    """The idle-timeout warning's "Förbli inloggad": renews the session at
    once. CSRF-protected like any POST; without a session it answers 401
    rather than the login page."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    session_renew(request.session, force=True)
    return HttpResponse(status=204)


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on their own: no login redirect."""
    return redirect(static("favicon.svg"))


@require_http_methods(["GET", "HEAD"])
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    return render(request, "notifications.html", {"items": items})


@require_POST
def notifications_mark_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("Alla aviseringar är markerade som lästa."))
    return redirect("notifications")


class CodeForm(forms.Form):
    code = forms.CharField(
        # Lazy: translated when the page is shown, in the user's language.
        label=gettext_lazy("Kod från autentiseringsappen"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_verify(request):
    """Second step of the login: a code from the user's app."""
    if not twofactor.requires_two_factor(request.user) or request.user.is_verified():
        return redirect("start")
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, form, device, confirming=False):
        return redirect(twofactor.next_url_pop(request))
    return render(request, "registration/two_factor_verify.html", {"form": form})


def _code_accepted(request, form, device, *, confirming: bool) -> bool:
    if not form.is_valid():
        return False
    wait = twofactor.seconds_until_allowed(device)
    if wait:
        message = _("För många felaktiga försök. Vänta %(s)s sekunder och försök igen.")
        form.add_error("code", message % {"s": wait})
        return False
    if twofactor.verify(request, device, form.cleaned_data["code"], confirming=confirming):
        return True
    form.add_error("code", _("Koden stämmer inte eller har redan använts."))
    return False


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Registreringskod från administratören"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


ENROLMENT_REFUSALS = {
    "wrong": gettext_lazy("Koden stämmer inte."),
    "expired": gettext_lazy("Koden har gått ut. Be projektets administratör om en ny."),
    "used": gettext_lazy("Koden har redan använts. Be projektets administratör om en ny."),
    "revoked": gettext_lazy(
        "Koden har ersatts eller återkallats. Be projektets administratör om en ny."
    ),
}


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_enrol(request):
    """First login with two-factor required: the one-time code from an
    administrator, before any secret is shown."""
    if not twofactor.requires_two_factor(request.user) or request.user.is_verified():
        return redirect("start")
    if twofactor.confirmed_device(request.user) is not None:
        return redirect("two_factor_verify")
    if twofactor.enrolment_device(request) is not None:
        return redirect("two_factor_setup")
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = twofactor.enrolment_redeem(request, form.cleaned_data["code"])
        if result.device is not None:
            return redirect("two_factor_setup")
        if result.refused == "throttled":
            message = _("För många felaktiga försök. Vänta %(s)s sekunder och försök igen.")
            form.add_error("code", message % {"s": result.wait})
        else:
            form.add_error("code", str(ENROLMENT_REFUSALS[result.refused]))
    return render(
        request,
        "registration/two_factor_enrol.html",
        {"form": form, "hours": settings.RATTINSATS_2FA_ENROLMENT_HOURS},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_setup(request):
    """Connect an authenticator app: only in the session that used an
    enrolment code, which made the device whose secret is shown here."""
    if not twofactor.requires_two_factor(request.user) or request.user.is_verified():
        return redirect("start")
    if twofactor.confirmed_device(request.user) is not None:
        return redirect("two_factor_verify")
    device = twofactor.enrolment_device(request)
    if device is None:
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, form, device, confirming=True):
        messages.success(request, _("Tvåfaktorinloggningen är aktiverad."))
        return redirect(twofactor.next_url_pop(request))
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(twofactor.qr_svg(device)),  # noqa: S308 - generated by segno
            "secret": twofactor.secret_base32(device),
        },
    )


class TwoFactorAccountForm(forms.Form):
    """One button on the administrators' two-factor page."""

    ISSUE, RESET = "issue", "reset"

    user = forms.ModelChoiceField(queryset=User.objects.none())
    action = forms.ChoiceField(choices=[(ISSUE, ISSUE), (RESET, RESET)])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["user"].queryset = twofactor.two_factor_accounts()  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        user, action = data.get("user"), data.get("action")
        if user is not None and action == self.RESET and user.pk == self.actor.pk:
            # Without an app the administrator would be locked out here.
            raise forms.ValidationError(
                _("Du kan inte återställa din egen tvåfaktorinloggning här.")
            )
        return data


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def staff_two_factor(request):
    """Administrators: who has an authenticator app; issue a one-time
    enrolment code, or reset a lost app."""
    form = TwoFactorAccountForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        try:
            if form.cleaned_data["action"] == form.ISSUE:
                issued = twofactor.enrolment_issue(actor=request.user, user=user)
                # Shown once, on the page this redirects to (kept in the
                # server-side session, never in a cookie or a URL).
                request.session[twofactor.ISSUED_SESSION_KEY] = {
                    "user": user.pk,
                    "code": issued.code,
                    "expires": issued.enrolment.expires_at.isoformat(),
                }
            else:
                twofactor.two_factor_reset(actor=request.user, user=user)
                messages.success(
                    request,
                    _(
                        "Tvåfaktorinloggningen för %(user)s är återställd. Utfärda en ny "
                        "registreringskod när hen ska koppla en ny app."
                    )
                    % {"user": user.username},
                )
            return redirect("staff_two_factor")
        except ValidationError as error:
            form.add_error(None, error)
    # The code just issued, if any: taken out of the session as it is shown.
    shown = None
    if fresh := request.session.pop(twofactor.ISSUED_SESSION_KEY, None):
        shown = {
            "user": User.objects.filter(pk=fresh["user"]).first(),
            "code": fresh["code"],
            "expires": datetime.datetime.fromisoformat(fresh["expires"]),
        }
    return render(
        request,
        "registration/staff_two_factor.html",
        {
            "accounts": twofactor.two_factor_accounts(),
            "form": form,
            "issued": shown,
            "hours": settings.RATTINSATS_2FA_ENROLMENT_HOURS,
            "require_2fa": settings.RATTINSATS_REQUIRE_2FA,
        },
    )


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
