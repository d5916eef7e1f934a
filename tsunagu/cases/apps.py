from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagu.cases"
    label = "cases"
    verbose_name = "多機関協働"

    def ready(self) -> None:
        from tsunagu.access.permissions import register_permission
        from tsunagu.access.scope import register_break_glass_type
        from tsunagu.accounts.models import Role

        # Case screens: the roles that work cases. Which case a person may open is decided per record
        # by tsunagu.access.cases (team + consent, coordinator, 支援会議 follow-up, break-glass).
        register_permission("cases.use", {Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER})
        # Opening a case, assigning the team, transitions, closure: the 束ね役.
        register_permission("cases.coordinate", {Role.COORDINATOR})
        register_break_glass_type("case", "cases.Case")

        # The household page's ecomap shows the teams of the household's cases the reader may open.
        from tsunagu.people.diagrams import register_ecomap_source

        from .ecomap_data import household_ecomap_entities

        register_ecomap_source(household_ecomap_entities)
