"""The admin's app config (in INSTALLED_APPS): Django's, with the site of
``rattinsats.admin_site``. Kept apart because it is imported before the
models are ready."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "rattinsats.admin_site.AdminSite"
