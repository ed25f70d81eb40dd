from django.apps import AppConfig


class EmployersConfig(AppConfig):
    verbose_name = "Arbetsgivarsamverkan"
    name = "employers"

    def ready(self):
        from participants.models import Task
        from participants.task_targets import task_target_register

        from .tasks import employer_task_label, employer_task_url

        # An employer's next step on Att göra links to the employer's page.
        task_target_register(
            Task.Kind.EMPLOYER_NEXT_STEP,
            url=employer_task_url,
            label=employer_task_label,
            related=("employer_contact__employer",),
        )
