from django.apps import AppConfig


class OperationsConfig(AppConfig):
    verbose_name = "Drift och underhåll"
    name = "operations"
