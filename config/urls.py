from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

from operations import health
from rattinsats import job_views, views

admin.site.site_header = _("Rätt insats – administration")
admin.site.site_title = "Rätt insats"
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.start, name="start"),
    # Health checks for a load balancer, without a login (README, "Health checks").
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("konto/logga-in/", views.login, name="login"),
    path("konto/logga-ut/", views.logout, name="logout"),
    path("konto/tvafaktor/", views.two_factor_verify, name="two_factor_verify"),
    path("konto/tvafaktor/registrera/", views.two_factor_enrol, name="two_factor_enrol"),
    path("konto/tvafaktor/aktivera/", views.two_factor_setup, name="two_factor_setup"),
    # Administrators: enrolment codes and resets of the staff's two-factor login.
    path("konton/tvafaktor/", views.staff_two_factor, name="staff_two_factor"),
    path("konto/hall-inloggad/", views.session_keepalive, name="session_keepalive"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("konto/losenord/", views.password_change, name="password_change"),
    path("konto/losenord/klart/", views.password_change_done, name="password_change_done"),
    path("aviseringar/", views.notifications, name="notifications"),
    path(
        "aviseringar/markera-lasta/", views.notifications_mark_read, name="notifications_mark_read"
    ),
    # Background jobs with a file or an import's result (rattinsats.file_jobs):
    # only the user who started one sees it.
    path("jobb/", job_views.file_jobs, name="file_jobs"),
    path("jobb/<uuid:pk>/", job_views.file_job, name="file_job"),
    path("jobb/<uuid:pk>/status/", job_views.file_job_status, name="file_job_status"),
    path("jobb/<uuid:pk>/fil/", job_views.file_job_download, name="file_job_download"),
    # The language can be chosen on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("deltagare/", include("participants.urls")),
    path("deltagare/", include("casework.urls")),
    path("deltagare/", include("closure.urls")),
    path("reports/", include("reports.urls")),
    path("", include("referrals.urls")),
    # The goal-document overview (maldokument/) and the participant tabs
    # for mapping and goals (deltagare/<id>/kartlaggning/, …/mal/).
    path("", include("mapping.urls")),
    # Access-log review (logguppfoljning/), the goal-document workbook
    # (maldokument/exportera/, maldokument/importera/).
    path("", include("operations.urls")),
    # Employer collaboration: employers (arbetsgivare/), job orders and
    # their matching (arbetsgivare/jobborder/), the participant's
    # Arbetsgivare tab (deltagare/<id>/arbetsgivare/).
    path("", include("employers.urls")),
    # Digital consent: BankID signing by staff and through the participant's link.
    path("", include("signing.urls")),
    # One login page for everybody, with its lockout and audit trail.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
]

handler400 = "rattinsats.errors.bad_request"
handler403 = "rattinsats.errors.permission_denied"
handler404 = "rattinsats.errors.page_not_found"
handler500 = "rattinsats.errors.server_error"
