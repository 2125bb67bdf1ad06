from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The worker imports the models, which cannot be imported while apps.py is loaded.
        from partnerhub.webhooks.worker import connect

        # Committed events wake the delivery (a task, or this process's delivery thread).
        connect()
