from django.apps import AppConfig


class SigningConfig(AppConfig):
    verbose_name = "Digitala samtycken"
    name = "signing"
