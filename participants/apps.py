from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    verbose_name = "Deltagare"
    name = "participants"

    def ready(self):
        from .overview import consent_and_tasks, overview_section_register

        overview_section_register(
            key="consent",
            order=10,
            template="participants/overview/_consent.html",
            read=consent_and_tasks,
        )
