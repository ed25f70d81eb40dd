from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Organisation, User
from .services import account_admin_saved


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
