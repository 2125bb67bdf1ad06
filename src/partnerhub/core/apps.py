from django.apps import AppConfig
from django.db.backends.signals import connection_created


class Config(AppConfig):
    name = "partnerhub.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.core.collation import register_sqlite_collations

        # Every SQLite connection gets the name collations (PostgreSQL has ICU's).
        connection_created.connect(
            register_sqlite_collations, dispatch_uid="partnerhub-sqlite-collations"
        )
