from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OtpTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, Organisation, User
from .services import account_admin_saved
from .twofactor import device_revoke


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Rätt insats"), {"fields": ("organisation", "role", "capacity")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Rätt insats"), {"fields": ("first_name", "last_name", "organisation", "role")}),
    )

    # The admin logs every addition and change, the password form's
    # included, after the groups are saved: the service syncs the role's
    # group and writes the audit event there.
    def log_addition(self, request, obj, message):
        account_admin_saved(actor=request.user, user=obj, created=True, fields=_fields(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        account_admin_saved(actor=request.user, user=obj, created=False, fields=_fields(message))
        return super().log_change(request, obj, message)


def _fields(message) -> list[str]:
    """The changed fields' names from the admin's change message."""
    if not isinstance(message, list):
        return []
    return [
        str(name)
        for entry in message
        for part in entry.values()
        if isinstance(part, dict)
        for name in part.get("fields", [])
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: nobody changes or deletes the audit trail."""

    list_display = ["at", "user", "action", "object_type", "object_id", "participant_id", "ip"]
    list_filter = ["action", "user", ("at", admin.DateFieldListFilter), "object_type"]
    search_fields = ["=participant_id", "=object_id", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-otp's admin for authenticator apps, registered before this module
# is imported (its app comes first in INSTALLED_APPS), replaced by one that
# never makes a device (an administrator would learn its secret: the first
# app needs an enrolment code, see rattinsats.twofactor) and deletes through
# the audited service.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(OtpTOTPDeviceAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        device_revoke(actor=request.user, device=obj)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            device_revoke(actor=request.user, device=device)
