from django.urls import path

from partnerhub.trials import views

app_name = "trials"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("start/customers/", views.customer_options, name="customer_options"),
    path("<str:ext_id>/", views.detail, name="detail"),
    path("<str:ext_id>/extend/", views.extend, name="extend"),
    path("<str:ext_id>/end/", views.end, name="end"),
]
