from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Organisation, User
from .services import account_sync_role


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Rätt insats"), {"fields": ("organisation", "role", "capacity")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Rätt insats"), {"fields": ("first_name", "last_name", "organisation", "role")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        account_sync_role(form.instance)


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
