from django.urls import path

from . import views

app_name = "casework"

# Mounted under deltagare/, beside the participant's own pages.
urlpatterns = [
    path("att-gora/", views.tasks, name="tasks"),
    path("flaggor/", views.flag_list, name="flags"),
    path("<int:pk>/insatser/", views.participant_interventions, name="interventions"),
    path(
        "<int:pk>/insatser/<int:intervention_pk>/",
        views.intervention_edit,
        name="intervention_edit",
    ),
    path("<int:pk>/journal/", views.participant_journal, name="journal"),
    path("<int:pk>/journal/<int:note_pk>/ratta/", views.journal_correct, name="journal_correct"),
    path("<int:pk>/flaggor/", views.participant_flags, name="participant_flags"),
    path("<int:pk>/flaggor/<int:flag_pk>/status/", views.flag_status, name="flag_status"),
]
