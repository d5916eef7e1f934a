from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tsunagu.intake"
    label = "intake"
    verbose_name = "相談受付"

    def ready(self) -> None:
        from tsunagu.access.permissions import register_permission
        from tsunagu.accounts.models import Role

        # Accepting or declining an escalation request is the coordinator's (束ね役) decision.
        register_permission("intake.escalation.handle", {Role.COORDINATOR})
