from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    verbose_name = "Insatser, journal och flaggor"
    name = "casework"

    def ready(self):
        from participants.overview import overview_section_register

        from .overview import notes_flags_interventions

        overview_section_register(
            key="casework",
            order=30,
            template="casework/_overview.html",
            read=notes_flags_interventions,
        )
