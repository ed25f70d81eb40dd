from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("anvisningar/", views.mine, name="mine"),
    path("anvisningar/ny/", views.new, name="new"),
    path("anvisningar/inkomna/", views.inbox, name="inbox"),
    path("anvisningar/<int:pk>/", views.detail, name="detail"),
    path("anvisningar/<int:pk>/kvitto/", views.receipt, name="receipt"),
    path("anvisningar/<int:pk>/kontroll/", views.check, name="check"),
    path(
        "anvisningar/<int:pk>/informationssamtal/",
        views.information_call,
        name="information_call",
    ),
    path("anvisningar/<int:pk>/samtycke/", views.consent_document, name="consent_document"),
    path("veckomote/", views.meeting_current, name="meeting_current"),
    path("veckomote/<int:year>/<int:week>/", views.meeting, name="meeting"),
    path(
        "veckomote/<int:year>/<int:week>/anteckningar/",
        views.meeting_notes,
        name="meeting_notes",
    ),
    path(
        "veckomote/<int:year>/<int:week>/fordela/",
        views.meeting_allocate,
        name="meeting_allocate",
    ),
]
