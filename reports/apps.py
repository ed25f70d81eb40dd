from django.apps import AppConfig


class ReportsConfig(AppConfig):
    verbose_name = "Rapporter"
    name = "reports"
