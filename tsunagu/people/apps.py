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
