from django.db import migrations

CATEGORIES = [
    ("praktik_arbetsprovning", "Praktik/arbetsprövning", True, 10),
    ("arbets_studieformaga", "Arbets-/studieförmåga", True, 20),
    ("studier_annan_ersattning", "Studier med annan ersättning", True, 30),
    ("forberedande_mot_arbete", "Förberedande mot arbete", False, 40),
]


def create(apps, schema_editor):
    MoveCategory = apps.get_model("mapping", "MoveCategory")
    for code, name, counts, order in CATEGORIES:
        MoveCategory.objects.get_or_create(
            code=code, defaults={"name": name, "counts_as_move": counts, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("mapping", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
