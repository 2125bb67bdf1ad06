from django.urls import path

from partnerhub.orgs import views

app_name = "orgs"
# The own organization lives under my/ so that a customer's organization (customers/…) does not
# light up "Launch my organization" in the navigation.
urlpatterns = [
    path("my/", views.my_org, name="my_org"),
    path("my/setup/", views.my_org_setup, name="my_org_setup"),
    path("my/people/", views.my_org_people, name="my_org_people"),
    path("my/people/add/", views.my_org_person_add, name="my_org_person_add"),
    path(
        "people/<int:pk>/active/<int:active>/",
        views.my_org_person_active,
        name="my_org_person_active",
    ),
    path("my/services/", views.my_org_services, name="my_org_services"),
    path("customers/<str:ext_id>/", views.customer_org, name="customer_org"),
    path("customers/<str:ext_id>/users/", views.customer_org_users, name="customer_org_users"),
    path(
        "customers/<str:ext_id>/users/add/",
        views.customer_org_user_add,
        name="customer_org_user_add",
    ),
    path(
        "customers/<str:ext_id>/licenses/<str:item_id>/<str:product>/",
        views.customer_org_assign,
        name="customer_org_assign",
    ),
    path(
        "customers/<str:ext_id>/licenses/<str:item_id>/<str:product>/change/",
        views.customer_org_assign_change,
        name="customer_org_assign_change",
    ),
]
