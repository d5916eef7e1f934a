from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "tsunagu.outreach"
    label = "outreach"
    verbose_name = "アウトリーチ（第4号）"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission
        from tsunagu.access.registry import declare_record_kind
        from tsunagu.access.scope import register_break_glass_type
        from tsunagu.access.targets import register_describer, register_person_relations
        from tsunagu.core.demo import register_demo_step
        from tsunagu.people.actions import register_person_reference
        from tsunagu.people.timeline import register_timeline_source

        from . import audit_targets
        from .demo import demo_step
        from .household import TIMELINE_SOURCES
        from .models import Engagement
        from .policy import ENGAGEMENT

        # Outreach screens: casework roles; which engagement is decided per record by policy.py.
        register_permission("outreach.use", CASEWORK)
        register_break_glass_type(ENGAGEMENT, "outreach.Engagement")
        declare_record_kind(ENGAGEMENT, "outreach.Engagement")
        register_describer(ENGAGEMENT, "アウトリーチ", audit_targets.describe_engagements)
        register_person_relations("outreach.engagements", audit_targets.engagements_of)
        # 名寄せ moves an identified engagement to the kept person (no unique constraint involves it).
        register_person_reference(Engagement, "person")
        for source in TIMELINE_SOURCES:
            register_timeline_source(source)
        register_demo_step("outreach", 150, demo_step)
