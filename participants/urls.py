from django.urls import path

from . import views, views_casework, views_closure

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("att-gora/", views_casework.tasks, name="tasks"),
    path("att-gora/<int:task_pk>/klar/", views.task_done, name="task_done"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/samtycke/", views.participant_consents, name="consents"),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/aterkalla/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/blankett/",
        views.consent_document,
        name="consent_document",
    ),
    path("flaggor/", views_casework.flag_list, name="flags"),
    path("<int:pk>/insatser/", views_casework.participant_interventions, name="interventions"),
    path(
        "<int:pk>/insatser/<int:intervention_pk>/",
        views_casework.intervention_edit,
        name="intervention_edit",
    ),
    path("<int:pk>/journal/", views_casework.participant_journal, name="journal"),
    path(
        "<int:pk>/journal/<int:note_pk>/ratta/",
        views_casework.journal_correct,
        name="journal_correct",
    ),
    path("<int:pk>/flaggor/", views_casework.participant_flags, name="participant_flags"),
    path(
        "<int:pk>/flaggor/<int:flag_pk>/status/",
        views_casework.flag_status,
        name="flag_status",
    ),
]

# Closure and follow-up (the "Avslut" tab).
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
