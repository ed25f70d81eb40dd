from django.apps import AppConfig


class ClosureConfig(AppConfig):
    verbose_name = "Avslut och uppföljning"
    name = "closure"
