from django.apps import AppConfig


class EmployersConfig(AppConfig):
    verbose_name = "Arbetsgivarsamverkan"
    name = "employers"
