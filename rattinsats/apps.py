from django.apps import AppConfig


class RattinsatsConfig(AppConfig):
    name = "rattinsats"
    verbose_name = "Rätt insats"

    def ready(self):
        from . import signals  # noqa: F401
