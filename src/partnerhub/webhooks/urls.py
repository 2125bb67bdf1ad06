from django.urls import path

from partnerhub.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("webhooks/", views.endpoints, name="list"),
    path("events/", views.events, name="events"),
    path("webhooks/<str:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("webhooks/<str:endpoint_id>/enabled/", views.set_enabled, name="enabled"),
    path("webhooks/<str:endpoint_id>/rotate/", views.rotate, name="rotate"),
    path("webhooks/<str:endpoint_id>/test/", views.send_test, name="test"),
    path("webhooks/<str:endpoint_id>/delete/", views.delete, name="delete"),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<int:delivery_id>/retry/",
        views.retry,
        name="retry",
    ),
]
