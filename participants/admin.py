from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import services
from .models import ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """The consent's text, versioned. Administrators only. A version is
    never edited: saving a changed text, from the add page or from a
    version's page, publishes the next version (``consent_text_publish``,
    audited); the one opened stays as it was."""

    list_display = ["version", "title", "published_at", "published_by"]
    fields = ["title", "body", "withdrawal_text"]

    def _admin(self, request) -> bool:
        return request.user.is_authenticated and request.user.is_administrator

    def has_view_permission(self, request, obj=None):
        return self._admin(request)

    def has_add_permission(self, request):
        return self._admin(request)

    def has_change_permission(self, request, obj=None):
        return self._admin(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return self._admin(request)

    def get_changeform_initial_data(self, request):
        # A new version starts from the one in use.
        latest = ConsentText.objects.order_by("-version").first()
        if latest is None:
            return super().get_changeform_initial_data(request)
        return {
            "title": latest.title,
            "body": latest.body,
            "withdrawal_text": latest.withdrawal_text,
        }

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            published = services.consent_text_publish(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                withdrawal_text=data["withdrawal_text"],
            )
        except ValidationError as exc:
            request.consent_text_refused = " ".join(exc.messages)
            return
        # The admin's own messages and redirect follow the saved object.
        obj.pk, obj.version = published.pk, published.version

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        pass  # The service wrote the audit event.

    def log_change(self, request, obj, message):
        pass

    def _answer(self, request, obj):
        refused = getattr(request, "consent_text_refused", "")
        if refused:
            self.message_user(request, refused, messages.WARNING)
        else:
            self.message_user(
                request,
                _("Version %(version)s av samtyckestexten är publicerad.")
                % {"version": obj.version},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:participants_consenttext_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        return self._answer(request, obj)

    def response_change(self, request, obj):
        return self._answer(request, obj)
