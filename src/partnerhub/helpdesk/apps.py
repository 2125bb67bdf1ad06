from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.helpdesk"
    label = "helpdesk"
    default_auto_field = "django.db.models.BigAutoField"
