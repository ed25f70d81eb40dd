"""Who sent or acknowledged the flags recorded before the flags' states,
from the audit trail. A migration of its own: on PostgreSQL, rows updated in
the migration that adds the columns would block creating their indexes
("pending trigger events")."""

from django.db import migrations

# The audit trail logged every status change with its actor; how a flag
# was sent was never recorded and stays empty.
AUDIT_DETAIL_FIELD = {"status sent": "sent_by_id", "status done": "done_by_id"}


def who_from_the_audit_trail(apps, schema_editor):
    Flag = apps.get_model("casework", "Flag")
    AuditEvent = apps.get_model("rattinsats", "AuditEvent")
    events = (
        AuditEvent.objects.filter(
            # Events written before the apps were re-cut name the old app.
            object_type__in=["casework.flag", "participants.flag"],
            action="change",
            detail__in=list(AUDIT_DETAIL_FIELD),
            user__isnull=False,
        )
        .order_by("at", "id")
        .values_list("object_id", "detail", "user_id")
    )
    latest: dict[tuple[int, str], int] = {}
    for object_id, detail, user_id in events.iterator():
        if object_id.isdigit():
            latest[(int(object_id), AUDIT_DETAIL_FIELD[detail])] = user_id
    by_user: dict[tuple[str, int], list[int]] = {}
    for (pk, field), user_id in latest.items():
        by_user.setdefault((field, user_id), []).append(pk)
    for (field, user_id), pks in by_user.items():
        Flag.objects.filter(pk__in=pks, **{field: None}).update(**{field: user_id})


def back_to_three_states(apps, schema_editor):
    """Going back: a withdrawn flag was never sent and needs nothing more,
    which the old states call done; the undo flags become manual ones."""
    Flag = apps.get_model("casework", "Flag")
    Flag.objects.filter(status="withdrawn").update(status="done", withdrawn_at=None)
    Flag.objects.filter(kind="undone").update(kind="manual")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_flag_states_sent_by_withdrawn"),
        ("rattinsats", "0002_organisations"),
    ]

    operations = [
        migrations.RunPython(who_from_the_audit_trail, back_to_three_states),
    ]
