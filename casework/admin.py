from django.contrib import admin

from .models import InterventionActivity


# Journal notes, interventions and flags are not in the admin: they hold
# personal data, administrators manage catalogues, and notes are never
# changed or deleted (a correction is a new note on the participant's page).
@admin.register(InterventionActivity)
class InterventionActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "track", "order", "active"]
    list_filter = ["track", "active"]
    list_editable = ["order", "active"]

    def has_delete_permission(self, request, obj=None):
        # Activities in use stay: recorded interventions refer to them.
        return obj is None or not obj.interventions.exists()
