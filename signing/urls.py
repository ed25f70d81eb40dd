from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    # Staff, on the participant's Samtycke tab.
    path("deltagare/<int:pk>/samtycke/bankid/", views.signing_start, name="start"),
    path("deltagare/<int:pk>/samtycke/bankid/<int:order_pk>/", views.signing_order, name="order"),
    path(
        "deltagare/<int:pk>/samtycke/bankid/<int:order_pk>/status/",
        views.signing_order_status,
        name="order_status",
    ),
    path(
        "deltagare/<int:pk>/samtycke/bankid/<int:order_pk>/avbryt/",
        views.signing_order_cancel,
        name="order_cancel",
    ),
    path(
        "deltagare/<int:pk>/samtycke/<int:consent_pk>/aterkalla/bankid/",
        views.withdrawal_start,
        name="withdrawal_start",
    ),
    path("deltagare/<int:pk>/samtycke/lank/", views.link_send, name="link_send"),
    path(
        "deltagare/<int:pk>/samtycke/lank/aterkallelse/",
        views.link_send_withdrawal,
        name="link_send_withdrawal",
    ),
    path(
        "deltagare/<int:pk>/samtycke/lank/<int:link_pk>/stoppa/",
        views.link_revoke,
        name="link_revoke",
    ),
    path(
        "deltagare/<int:pk>/samtycke/<int:consent_pk>/kvitto/",
        views.consent_receipt,
        name="receipt",
    ),
    # The participant, without an account: the link, then the page.
    path("signera/", views.public_page, name="public"),
    path("signera/starta/", views.public_start, name="public_start"),
    path("signera/status/", views.public_status, name="public_status"),
    path("signera/avbryt/", views.public_cancel, name="public_cancel"),
    # The token travels in the query string, which the access log leaves out
    # (README, "Security"); the page drops it from the address at once.
    path("signera/lank/", views.link_open, name="link"),
]
