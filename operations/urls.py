from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("logguppfoljning/", views.access_review_page, name="access_review"),
    path("logguppfoljning/excel/", views.access_review_excel, name="access_review_excel"),
    path("maldokument/exportera/", views.goal_document_export, name="goal_document_export"),
    path("maldokument/importera/", views.goal_document_import, name="goal_document_import"),
]
