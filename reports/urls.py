from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("results.json", views.results_json, name="results_json"),
    path("results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("results.pdf", views.results_pdf, name="results_pdf"),
]
