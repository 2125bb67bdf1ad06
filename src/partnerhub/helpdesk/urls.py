from django.urls import path

from partnerhub.helpdesk import views

app_name = "helpdesk"
urlpatterns = [
    path("", views.cases, name="cases"),
    path("new/", views.new, name="new"),
    path("queue/", views.queue, name="queue"),
    path("customers/", views.customer_options, name="customer_options"),
    path("cases/<str:ref>/", views.case_detail, name="case"),
    path("cases/<str:ref>/comment/", views.comment, name="comment"),
    path("cases/<str:ref>/status/", views.set_status, name="status"),
    path("cases/<str:ref>/assign/", views.assign, name="assign"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
