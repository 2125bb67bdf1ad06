from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.subscriptions"
    label = "subscriptions"
    default_auto_field = "django.db.models.BigAutoField"
