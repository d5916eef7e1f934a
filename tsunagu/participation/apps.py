from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "tsunagu.participation"
    label = "participation"
    verbose_name = "参加支援（第2号）"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission
        from tsunagu.access.registry import declare_record_kind
        from tsunagu.access.targets import register_describer, register_person_relations
        from tsunagu.core.demo import register_demo_step
        from tsunagu.people.panels import register_household_panel
        from tsunagu.people.timeline import register_timeline_source

        from . import audit_targets
        from .demo import demo_step
        from .household import PANELS, TIMELINE_SOURCES
        from .policy import RECORD

        # Participation screens, the receiving side's included: casework roles. Which record or match is
        # decided per row by policy.py (supporting side, or receiving side with the person's consent).
        register_permission("participation.use", CASEWORK)
        declare_record_kind(RECORD, "participation.SupportRecord")
        register_describer("supportrecord", "参加支援", audit_targets.describe_records)
        register_describer("match", "参加支援のマッチング")
        register_describer("participationconsent", "参加支援の本人同意")
        register_describer("receiverreport", "受け入れ先の記録")
        register_person_relations("participation.records", audit_targets.records_of)
        for source in TIMELINE_SOURCES:
            register_timeline_source(source)
        for panel in PANELS:
            register_household_panel(panel)
        # `make demo`: after cases (100) and outreach (150).
        register_demo_step("participation", 160, demo_step)
