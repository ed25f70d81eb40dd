from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
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
]
