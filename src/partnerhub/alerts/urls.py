from django.urls import path

from partnerhub.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alerts_list, name="list"),
    path("bulk/", views.bulk, name="bulk"),
    path("badge/", views.badge, name="badge"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kind>/", views.rule_edit, name="rule"),
    path("digest/", views.digest, name="digest"),
    path("<str:alert_id>/", views.detail, name="detail"),
    path(
        "<str:alert_id>/<str:action>/",
        views.act,
        name="act",
    ),
]
