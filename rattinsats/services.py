"""Accounts and roles: every write to an account goes through here and
leaves one audit event (the admin, the demo data, the workbook import)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .audit import Action, audit_log
from .models import Organisation, Role, User

# What an administrator manages in the Django admin.
ADMIN_PERMISSIONS = [
    ("rattinsats", "user", ("add", "change", "view")),
    ("rattinsats", "organisation", ("add", "change", "view")),
    ("rattinsats", "auditevent", ("view",)),
    ("auth", "group", ("view",)),
    ("mapping", "movecategory", ("add", "change", "delete", "view")),
    # Resetting a lost authenticator app: delete the device.
    ("otp_totp", "totpdevice", ("view", "delete")),
    ("casework", "interventionactivity", ("add", "change", "delete", "view")),
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


@transaction.atomic
def account_create(
    *,
    actor: User | None,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    organisation: Organisation | None = None,
    email: str = "",
    capacity: int = 100,
    is_active: bool = True,
    is_superuser: bool = False,
    password: str | None = None,
    detail: str = "",
) -> User:
    """Create an account with its role's group. Without ``password`` the
    account cannot log in with one. ``actor`` is None for a command run on
    the server (the demo data, the import's own account)."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organisation=organisation,
        email=email,
        capacity=capacity,
        is_active=is_active,
        is_superuser=is_superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    account_sync_role(user)
    audit_log(actor=actor, action=Action.CREATE, obj=user, detail=detail)
    return user


@transaction.atomic
def account_admin_saved(*, actor: User, user: User, created: bool, fields: list[str]) -> User:
    """An administrator created or changed ``user`` in the admin (the
    account, its role or its password): the groups follow the role, and
    the audit event names the changed fields, never their values."""
    if not (actor.is_authenticated and actor.is_administrator):
        raise PermissionDenied
    account_sync_role(user)
    audit_log(
        actor=actor,
        action=Action.CREATE if created else Action.CHANGE,
        obj=user,
        detail=("admin: " + ", ".join(sorted(set(fields))))[:200],
    )
    return user
