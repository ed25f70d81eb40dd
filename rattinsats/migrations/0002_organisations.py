from django.db import migrations

ORGANISATIONS = [
    ("jobbcentrum", "Eskilstuna kommun – JobbCentrum"),
    ("ekonomiskt_bistand", "Eskilstuna kommun – Ekonomiskt bistånd"),
    ("arbetsformedlingen", "Arbetsförmedlingen Eskilstuna"),
]


def create(apps, schema_editor):
    Organisation = apps.get_model("rattinsats", "Organisation")
    for kind, name in ORGANISATIONS:
        Organisation.objects.get_or_create(kind=kind, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("rattinsats", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
