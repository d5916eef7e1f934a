from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagu.cases"
    label = "cases"
    verbose_name = "多機関協働"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission
        from tsunagu.access.registry import declare_record_kind, register_visibility
        from tsunagu.access.scope import register_break_glass_type
        from tsunagu.accounts.models import Role
        from tsunagu.intake.policy import CONSULTATION
        from tsunagu.people.panels import register_household_panel
        from tsunagu.people.timeline import register_timeline_source

        from .household import PANELS, TIMELINE_SOURCES
        from .policy import CASE, consented_consultations, consented_consultations_within

        # Case screens: the roles that work cases. Which case a person may open is decided per record
        # by cases/policy.py (team + consent, coordinator, 支援会議 follow-up, break-glass, registered rules).
        register_permission("cases.use", CASEWORK)
        # Opening a case, assigning the team, transitions, closure: the 束ね役.
        register_permission("cases.coordinate", {Role.COORDINATOR})
        register_break_glass_type(CASE, "cases.Case")
        declare_record_kind(CASE, "cases.Case")
        # A case consent opens the consented persons' consultations to the team organizations it names.
        register_visibility(
            CONSULTATION,
            "cases.consented_persons",
            consented_consultations,
            label="ケースの本人同意（チームの機関）",
            narrowed=consented_consultations_within,
        )
        # The household page (people) shows case events and the household's open cases.
        for source in TIMELINE_SOURCES:
            register_timeline_source(source)
        for panel in PANELS:
            register_household_panel(panel)

        # The household page's ecomap shows the teams of the household's cases the reader may open.
        from tsunagu.people.diagrams import register_ecomap_source

        from .ecomap_data import household_ecomap_entities

        register_ecomap_source(household_ecomap_entities)

        # The audit log and emergency access name cases and list a person's cases.
        from tsunagu.access.targets import register_describer, register_person_relations

        from . import audit_targets

        register_describer(CASE, "ケース", audit_targets.describe_cases)
        register_person_relations("cases.cases", audit_targets.cases_of)

        # `make demo`: the demo city's cases, after intake's consultations (setup_demo runs the steps).
        from tsunagu.core.demo import register_demo_step

        from .demo import demo_step

        register_demo_step("cases", 100, demo_step)
