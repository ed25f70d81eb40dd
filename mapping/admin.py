from django.contrib import admin

from .models import MoveCategory


@admin.register(MoveCategory)
class MoveCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "counts_as_move", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"code": ["name"]}

    def has_delete_permission(self, request, obj=None):
        # Categories in use stay: recorded moves refer to them.
        return obj is None or not obj.moves.exists()
