from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.signins"
    label = "signins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.signins.listeners import connect

        connect()
