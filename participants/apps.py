from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ParticipantsConfig(AppConfig):
    verbose_name = "Deltagare"
    name = "participants"

    def ready(self):
        from .selectors import forget_permission_ids

        # Permissions are made again (new ids) only when migrations run.
        post_migrate.connect(forget_permission_ids, dispatch_uid="participants_permission_ids")
