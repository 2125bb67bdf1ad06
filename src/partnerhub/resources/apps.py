from django.apps import AppConfig
from django.db.models.signals import post_migrate


class Config(AppConfig):
    name = "partnerhub.resources"
    label = "resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models (and so the services) are importable only once the app registry is ready.
        from partnerhub.resources.services import resources_sync_after_migrate

        # Only this app's post_migrate: the sync runs once per `migrate` (and per test flush),
        # so a new install opens Resources & help with the guide and curated links.
        post_migrate.connect(
            resources_sync_after_migrate,
            sender=self,
            dispatch_uid="partnerhub.resources.sync_after_migrate",
        )
