from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tsunagu.intake"
    label = "intake"
    verbose_name = "相談受付"

    def ready(self) -> None:
        from tsunagu.access.permissions import register_permission
        from tsunagu.access.registry import declare_record_kind
        from tsunagu.accounts.models import Role
        from tsunagu.people.panels import register_household_panel
        from tsunagu.people.timeline import register_timeline_source

        from .household import PANELS, TIMELINE_SOURCES
        from .policy import CONSULTATION

        # Accepting or declining an escalation request is the coordinator's (束ね役) decision.
        register_permission("intake.escalation.handle", {Role.COORDINATOR})
        # Upper apps (cases, meetings …) widen who may read a consultation by registering for this kind.
        declare_record_kind(CONSULTATION, "intake.Consultation")
        # The household page (people) shows consultations and escalation requests, and intake's panels.
        for source in TIMELINE_SOURCES:
            register_timeline_source(source)
        for panel in PANELS:
            register_household_panel(panel)
        # Referrals between windows (つなぎ): timeline, panel and the consultation rule (referral_household.py).
        from .referral_household import register_referrals

        register_referrals()
