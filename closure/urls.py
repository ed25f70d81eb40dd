from django.urls import path

from . import views

app_name = "closure"

# The participant's "Avslut" tab, mounted under deltagare/.
urlpatterns = [
    path("<int:pk>/avslut/", views.closure_tab, name="tab"),
    path("<int:pk>/avslut/avsluta/", views.closure_close, name="close"),
    path("<int:pk>/avslut/angra/", views.closure_reopen, name="reopen"),
    path("<int:pk>/avslut/flagga/<int:org_pk>/", views.closure_flag_send, name="flag_send"),
    path("<int:pk>/avslut/uppfoljning/", views.follow_up_record, name="follow_up"),
    path("<int:pk>/avslut/startstatus/", views.status_at_start, name="status_at_start"),
    path(
        "<int:pk>/avslut/arbetsmarknadsutbildning/",
        views.training_record,
        name="training_record",
    ),
    path("<int:pk>/avslut/sammanfattning/", views.summary_submit, name="summary"),
    path(
        "<int:pk>/avslut/sammanfattning/<int:version>/",
        views.summary_download,
        name="summary_download",
    ),
]
