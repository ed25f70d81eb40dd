from django.apps import AppConfig


class MappingConfig(AppConfig):
    verbose_name = "Kartläggning och mål"
    name = "mapping"

    def ready(self):
        from participants.overview import overview_section_register

        from .overview import goals_and_period

        overview_section_register(
            key="goals", order=20, template="mapping/_overview.html", read=goals_and_period
        )
