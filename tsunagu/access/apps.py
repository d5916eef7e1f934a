from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tsunagu.access"
    label = "access"
    verbose_name = "アクセス制御・監査"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .dbroles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="tsunagu_grant_app_role")
