"""The Django admin for administrators only.

Django's admin sends a signed-in user who may not use it to the admin's
login page, which here redirects to the app's login page, which sends a
signed-in user on to the admin again: an endless loop. Such a user gets a
404 instead (with a *denied* audit event), as for any page outside their
role; someone not signed in still goes to the login page.
"""

from functools import update_wrapper

from django.contrib import admin

from .permissions import deny


class AdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                deny(request)
            return guarded(request, *args, **kwargs)

        return update_wrapper(inner, guarded)
