from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("att-gora/", views.tasks, name="tasks"),
    path("att-gora/<int:task_pk>/klar/", views.task_done, name="task_done"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/samtycke/", views.participant_consents, name="consents"),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/aterkalla/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]

# Closure and follow-up (the "Avslut" tab).
from . import views_closure  # noqa: E402

urlpatterns += [
    path("<int:pk>/avslut/", views_closure.closure_tab, name="closure"),
    path("<int:pk>/avslut/avsluta/", views_closure.closure_close, name="closure_close"),
    path("<int:pk>/avslut/angra/", views_closure.closure_reopen, name="closure_reopen"),
    path(
        "<int:pk>/avslut/flagga/<int:org_pk>/",
        views_closure.closure_flag_send,
        name="closure_flag_send",
    ),
    path("<int:pk>/avslut/uppfoljning/", views_closure.follow_up_record, name="follow_up"),
    path("<int:pk>/avslut/startstatus/", views_closure.status_at_start, name="status_at_start"),
    path(
        "<int:pk>/avslut/arbetsmarknadsutbildning/",
        views_closure.training_record,
        name="training_record",
    ),
    path("<int:pk>/avslut/sammanfattning/", views_closure.summary_submit, name="summary"),
    path(
        "<int:pk>/avslut/sammanfattning/<int:version>/",
        views_closure.summary_download,
        name="summary_download",
    ),
]
