"""Issue a one-time two-factor enrolment code for an account, from the
server: for the first administrator, who has no one to ask, or for anyone
when no administrator can sign in (README, "Production")."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rattinsats import twofactor
from rattinsats.models import User


class Command(BaseCommand):
    help = (
        "Utfärdar en registreringskod för tvåfaktorinloggning (engångskod, "
        "RATTINSATS_2FA_ENROLMENT_HOURS timmar) för ett konto."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="Kontots användarnamn.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Koppla först bort kontots autentiseringsapp (en borttappad telefon).",
        )

    def handle(self, *args, username, reset, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError("Det finns inget konto med det användarnamnet.")
        if reset:
            removed = twofactor.two_factor_reset(actor=None, user=user)
            self.stdout.write(
                f"Tvåfaktorinloggningen är återställd ({removed} app(ar) bortkopplade)."
            )
        try:
            issued = twofactor.enrolment_issue(actor=None, user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expires = timezone.localtime(issued.enrolment.expires_at)
        self.stdout.write(f"Registreringskod för {user.username}: {issued.code}")
        self.stdout.write(
            f"Gäller till {expires:%Y-%m-%d %H:%M} och kan användas en gång. "
            "Logga in med lösenordet och skriv koden när den efterfrågas."
        )
