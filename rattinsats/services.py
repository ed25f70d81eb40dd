"""Accounts and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Role, User

# What an administrator manages in the Django admin.
ADMIN_PERMISSIONS = [
    ("rattinsats", "user", ("add", "change", "view")),
    ("rattinsats", "organisation", ("add", "change", "view")),
    ("rattinsats", "auditevent", ("view",)),
    ("auth", "group", ("view",)),
    ("mapping", "movecategory", ("add", "change", "delete", "view")),
    # Resetting a lost authenticator app: delete the device.
    ("otp_totp", "totpdevice", ("view", "delete")),
    ("participants", "interventionactivity", ("add", "change", "delete", "view")),
]


def role_groups_ensure() -> dict[str, Group]:
    """One group per role, named as the role; the administrators' group
    carries the admin permissions. Safe to run again."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=str(role.label))
        groups[role.value] = group
    wanted = []
    for app_label, model, actions in ADMIN_PERMISSIONS:
        for action in actions:
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            ).first()
            if perm is not None:
                wanted.append(perm)
    groups[Role.ADMIN.value].permissions.add(*wanted)
    return groups


@transaction.atomic
def account_sync_role(user: User) -> User:
    """Make the user's group membership and admin access follow their role."""
    groups = role_groups_ensure()
    role_group_ids = [g.pk for g in groups.values()]
    user.groups.remove(*[gid for gid in role_group_ids if gid != groups.get(user.role, Group()).pk])
    if user.role in groups:
        user.groups.add(groups[user.role])
    is_staff = user.role == Role.ADMIN or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return user
