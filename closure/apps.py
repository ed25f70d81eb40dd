from django.apps import AppConfig


class ClosureConfig(AppConfig):
    verbose_name = "Avslut och uppföljning"
    name = "closure"

    def ready(self):
        from participants.overview import overview_section_register

        from .overview import next_follow_up

        overview_section_register(
            key="follow_up", order=40, template="closure/_overview.html", read=next_follow_up
        )
