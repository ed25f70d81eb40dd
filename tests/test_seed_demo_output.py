"""`seed_demo` ends with the login table: nothing printed after it (in debug
the console e-mail backend would print every demo notification's mail)."""

import pytest
from django.core.management import call_command

from operations.management.commands.seed_demo import ACCOUNTS


@pytest.mark.django_db(transaction=True)
def test_the_login_table_is_the_last_thing_printed(settings, capsys, reference_data):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo", "--password", "Demo-losenord-123")
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    table = lines[-len(ACCOUNTS) :]
    assert [line.split()[0] for line in table] == [account[0] for account in ACCOUNTS]
    assert all("Demo-losenord-123" in line for line in table)
    assert lines[-len(ACCOUNTS) - 1].endswith("Demodata klar. Inloggningar:")
    # No raw mail anywhere in the output.
    assert not any(
        line.startswith(("Content-Type:", "MIME-Version:", "Subject:")) for line in lines
    )
