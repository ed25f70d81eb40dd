from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    verbose_name = "Insatser, journal och flaggor"
    name = "casework"
