from django.urls import path

from . import views, views_matching

app_name = "employers"

# Mounted at the root: the employers and their job orders under
# arbetsgivare/ (one menu entry, one section), the participant's
# Arbetsgivare tab under deltagare/<id>/arbetsgivare/. Ids only, never a
# name or an organisation number (a sole trader's is a personnummer).
urlpatterns = [
    path("arbetsgivare/", views.employer_list, name="list"),
    path("arbetsgivare/ny/", views.employer_create, name="create"),
    path("arbetsgivare/exportera/", views.employers_export, name="export"),
    path("arbetsgivare/importera/", views.employers_import, name="import"),
    path("arbetsgivare/<int:employer_pk>/", views.employer_detail, name="detail"),
    path("arbetsgivare/<int:employer_pk>/andra/", views.employer_edit, name="edit"),
    path("arbetsgivare/<int:employer_pk>/sla-samman/", views.employer_merge, name="merge"),
    path(
        "arbetsgivare/<int:employer_pk>/kontaktpersoner/ny/",
        views.contact_person_create,
        name="contact_person_create",
    ),
    path(
        "arbetsgivare/<int:employer_pk>/kontaktpersoner/<int:person_pk>/",
        views.contact_person_edit,
        name="contact_person_edit",
    ),
    path(
        "arbetsgivare/<int:employer_pk>/kontakter/ny/",
        views.contact_record,
        name="contact_record",
    ),
    path(
        "arbetsgivare/<int:employer_pk>/jobborder/ny/",
        views.job_order_create,
        name="job_order_create",
    ),
    path("arbetsgivare/jobborder/", views.job_order_list, name="job_orders"),
    path("arbetsgivare/jobborder/exportera/", views.job_orders_export, name="job_orders_export"),
    path("arbetsgivare/jobborder/<int:order_pk>/", views.job_order_detail, name="job_order"),
    path(
        "arbetsgivare/jobborder/<int:order_pk>/andra/",
        views.job_order_edit,
        name="job_order_edit",
    ),
    # Matching (views_matching.py): an order's proposals and matches show
    # on the order's page (job_order.html includes them).
    path(
        "arbetsgivare/jobborder/<int:order_pk>/matchning/foresla/",
        views_matching.match_propose,
        name="match_propose",
    ),
    path(
        "arbetsgivare/jobborder/<int:order_pk>/matchning/lagg-till/",
        views_matching.match_add,
        name="match_add",
    ),
    path(
        "arbetsgivare/jobborder/<int:order_pk>/matchning/<int:match_pk>/",
        views_matching.match_detail,
        name="match_detail",
    ),
    path(
        "arbetsgivare/jobborder/<int:order_pk>/matchning/<int:match_pk>/status/",
        views_matching.match_status,
        name="match_status",
    ),
    path("deltagare/<int:pk>/arbetsgivare/", views.participant_tab, name="participant_tab"),
    path(
        "deltagare/<int:pk>/arbetsgivare/placering/ny/",
        views.placement_create,
        name="placement_create",
    ),
    path(
        "deltagare/<int:pk>/arbetsgivare/placering/<int:placement_pk>/",
        views.placement_edit,
        name="placement_edit",
    ),
    path(
        "deltagare/<int:pk>/arbetsgivare/placering/<int:placement_pk>/uppfoljning/",
        views.placement_follow_up,
        name="placement_follow_up",
    ),
]
