from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    verbose_name = "Anvisningar"
    name = "referrals"

    def ready(self):
        from closure.signals import participation_closed

        from .receivers import counsellor_notify_of_closure

        participation_closed.connect(
            counsellor_notify_of_closure, dispatch_uid="referrals.counsellor_notify_of_closure"
        )
