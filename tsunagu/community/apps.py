from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "tsunagu.community"
    label = "community"
    verbose_name = "地域づくり"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission
        from tsunagu.accounts.models import Role
        from tsunagu.core.demo import register_demo_step
        from tsunagu.people.timeline import register_timeline_source

        from .demo import demo_step
        from .household import NEED_SOURCE

        # Groups, sittings (counts only) and the overview per area: casework staff and managers.
        register_permission("community.view", CASEWORK | {Role.MANAGER})
        # Recording sittings and needs, taking a need in as a consultation, keeping points ledgers: casework
        # staff; which group or program is theirs is checked per record in policy.py.
        register_permission("community.record", CASEWORK)
        register_timeline_source(NEED_SOURCE)
        # `make demo`: a year of sittings, needs (one became a consultation) and a points ledger.
        register_demo_step("community", 300, demo_step)
