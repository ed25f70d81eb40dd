from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    verbose_name = "Anvisningar"
    name = "referrals"
