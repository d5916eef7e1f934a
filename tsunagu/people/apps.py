from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tsunagu.people"
    label = "people"
    verbose_name = "本人・世帯"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission

        # The household page (members, relationships, the timeline other apps fill): casework roles.
        register_permission("people.household", CASEWORK)

        from .actions import register_person_reference
        from .models import PersonMatchCandidate

        # Stored 名寄せ pairs are derived data: a merge never rewires them; candidates.refresh_candidates_for
        # drops and recomputes the pairs of both records instead.
        register_person_reference(PersonMatchCandidate, "left", skip=True)
        register_person_reference(PersonMatchCandidate, "right", skip=True)

        # The audit log and emergency access name persons and households and find a person by name.
        from tsunagu.access.targets import (
            register_describer,
            register_person_finder,
            register_person_relations,
        )

        from . import audit_targets

        register_describer("person", "本人", audit_targets.describe_persons)
        register_describer("household", "世帯", audit_targets.describe_households)
        register_person_finder(audit_targets.find_persons)
        register_person_relations("people.households", audit_targets.households_of)
