from django.urls import path

from . import views, views_employers, views_monthly

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("results.json", views.results_json, name="results_json"),
    path("results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("results.pdf", views.results_pdf, name="results_pdf"),
    path("arbetsgivare/", views_employers.employers, name="employers"),
    path("manad/", views_monthly.monthly, name="monthly"),
    path("manad/pdf/", views_monthly.monthly_pdf_download, name="monthly_pdf"),
    path("manad/excel/", views_monthly.monthly_xlsx_download, name="monthly_xlsx"),
]
