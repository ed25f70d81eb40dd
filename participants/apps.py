from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    verbose_name = "Deltagare"
    name = "participants"
