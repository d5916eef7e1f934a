from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tsunagu.access"
    label = "access"
    verbose_name = "アクセス制御・監査"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .guard import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="tsunagu_audit_guard")
