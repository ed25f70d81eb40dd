from django.urls import path

from . import views

app_name = "mapping"

urlpatterns = [
    path("maldokument/", views.overview, name="overview"),
    path("deltagare/<int:pk>/kartlaggning/", views.mapping, name="mapping"),
    path("deltagare/<int:pk>/kartlaggning/pdf/", views.mapping_pdf, name="mapping_pdf"),
    path("deltagare/<int:pk>/mal/", views.goals, name="goals"),
    path("deltagare/<int:pk>/mal/forflyttning/", views.move_record, name="move_record"),
]
