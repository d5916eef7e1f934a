from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tsunagu.people"
    label = "people"
    verbose_name = "本人・世帯"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission

        # The household page (members, relationships, the timeline other apps fill): casework roles.
        register_permission("people.household", CASEWORK)
