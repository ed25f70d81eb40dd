from django.urls import path

from . import views_monthly

app_name = "reports"

urlpatterns = [
    path("manad/", views_monthly.monthly, name="monthly"),
    path("manad/pdf/", views_monthly.monthly_pdf_download, name="monthly_pdf"),
    path("manad/excel/", views_monthly.monthly_xlsx_download, name="monthly_xlsx"),
]
