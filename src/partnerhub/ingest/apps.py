from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.ingest"
    label = "ingest"
    default_auto_field = "django.db.models.BigAutoField"
