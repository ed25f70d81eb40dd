from django.contrib import admin

from .models import Referral, WeeklyMeeting


class ReadOnlyAdmin(admin.ModelAdmin):
    """Referrals change only through their services (with permission
    checks, audit events and notifications), never in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    # No personal data here: the status of the flow only.
    list_display = ("id", "status", "referring_organisation", "created_at", "allocated_at")
    list_filter = ["status", "referring_organisation"]
    fields = list_display
    list_select_related = ["referring_organisation"]


@admin.register(WeeklyMeeting)
class WeeklyMeetingAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "updated_at"]
    fields = ["week_start", "updated_at"]
