"""Version 1 of the consent's text, from the paper form's wording, and every
consent recorded so far linked to it; their method follows from whether the
signed form was uploaded (paper) or not (recorded by staff), and a withdrawal
recorded so far was recorded by staff.

The tests' factories import ``VERSION_1`` to recreate the version in
transactional tests, which empty every table."""

from django.db import migrations

VERSION_1 = {
    "version": 1,
    "title": "Samtycke till att uppgifter delas inom Rätt insats",
    "body": (
        "Rätt insats är en gemensam arbetsmarknadsinsats för Eskilstuna kommun "
        "(JobbCentrum och Ekonomiskt bistånd) och Arbetsförmedlingen. För att vi ska "
        "kunna planera och följa upp ditt deltagande tillsammans behöver "
        "organisationerna kunna dela uppgifter om dig med varandra.\n\n"
        "Det här delas: dina kontaktuppgifter, att du deltar i Rätt insats, din "
        "kartläggning och dina mål, de insatser du deltar i, din närvaro, de stegvisa "
        "förflyttningar du gör och hur och varför ditt deltagande avslutas. Uppgifterna "
        "delas bara i den utsträckning de behövs för din planering och för "
        "utbetalning av ersättning eller bistånd.\n\n"
        "Uppgifterna delas mellan Rätt insats och de organisationer som anges nedan, "
        "under den giltighetstid som anges nedan. Samtycket bryter sekretessen mellan "
        "just dessa organisationer och inget annat.\n\n"
        "Samtycket är frivilligt. Du kan när som helst återkalla det, helt eller för en "
        "organisation, genom att säga till din kontaktperson i Rätt insats, muntligt "
        "eller skriftligt, eller genom att signera en återkallelse med BankID via en "
        "länk som du får av oss. Återkallelsen gäller från det ögonblick den tas emot. "
        "Uppgifter som redan har delats tas inte tillbaka. Om du inte samtycker eller "
        "återkallar samtycket påverkar det inte din rätt till stöd, men samarbetet "
        "mellan organisationerna kan bli svårare."
    ),
    "withdrawal_text": (
        "Jag återkallar mitt samtycke till att uppgifter om mig delas inom Rätt "
        "insats mellan de organisationer som anges nedan. Återkallelsen gäller från "
        "och med nu. Jag vet att uppgifter som redan har delats inte tas tillbaka."
    ),
}


def forward(apps, schema_editor):
    ConsentText = apps.get_model("participants", "ConsentText")
    Consent = apps.get_model("participants", "Consent")
    version, _created = ConsentText.objects.get_or_create(
        version=VERSION_1["version"],
        defaults={k: v for k, v in VERSION_1.items() if k != "version"},
    )
    Consent.objects.filter(text_version__isnull=True).update(text_version=version)
    Consent.objects.exclude(document="").update(method="paper")
    Consent.objects.filter(document="").update(method="staff")
    Consent.objects.filter(withdrawn_at__isnull=False).update(withdrawal_method="staff")


def backward(apps, schema_editor):
    # The fields go with the schema migration before this one.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0008_consent_text_versions"),
    ]

    operations = [migrations.RunPython(forward, backward)]
