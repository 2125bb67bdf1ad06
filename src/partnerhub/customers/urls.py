"""Customer pages: /customers/ (list), /customers/<id>/ (details) and their small endpoints."""

from django.urls import path

from partnerhub.customers import views
from partnerhub.subscriptions import invoice_views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("-/suggest/", views.suggest, name="suggest"),
    path("-/filters/save/", views.filter_save, name="filter_save"),
    path("-/filters/<int:pk>/delete/", views.filter_delete, name="filter_delete"),
    path("-/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("<str:ext_id>/", views.customer_detail, name="detail"),
    path("<str:ext_id>/admins/add/", views.admin_add, name="admin_add"),
    path("<str:ext_id>/admins/remove/", views.admin_remove, name="admin_remove"),
    # Invoices by their row id: invoice numbers may hold "/" (e.g. FV/2026/11/001).
    path("<str:ext_id>/invoices/<int:pk>/", invoice_views.invoice_detail, name="invoice"),
    path(
        "<str:ext_id>/invoices/<int:pk>/print/",
        invoice_views.invoice_print,
        name="invoice_print",
    ),
]
