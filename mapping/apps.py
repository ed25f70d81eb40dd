from django.apps import AppConfig


class MappingConfig(AppConfig):
    verbose_name = "Kartläggning och mål"
    name = "mapping"
