"""The app's URLs plus one view that fails with personal data in its error."""

from django.urls import path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns


def failing_view(request):
    raise RuntimeError("Kunde inte spara 19900101-9802 Alva Testsson")


urlpatterns = [*app_urlpatterns, path("test-fel/", failing_view)]
