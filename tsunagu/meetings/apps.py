from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tsunagu.meetings"
    label = "meetings"
    verbose_name = "会議"

    def ready(self) -> None:
        from tsunagu.access.permissions import CASEWORK, register_permission
        from tsunagu.access.registry import register_visibility
        from tsunagu.accounts.models import Role
        from tsunagu.cases.policy import CASE

        from .due_sources import register as register_due_sources
        from .policy import follow_up_cases

        # The calendar and the items one may see (the item gate is per record, in policy.py).
        register_permission("meetings.use", CASEWORK | {Role.MANAGER})
        # Generating a body's calendar, calling meetings, agendas, minutes and decisions: the 束ね役.
        # Who may call a 随時/緊急 meeting of a given body is the profile's `ad_hoc_callers`, checked in actions.
        register_permission("meetings.coordinate", {Role.COORDINATOR})
        register_permission("meetings.call", CASEWORK | {Role.MANAGER})
        # A 支援会議 member who acknowledged 守秘義務 reads the case during the body's follow-up window.
        register_visibility(
            CASE, "meetings.follow_up", follow_up_cases, label="支援会議の構成員（守秘義務・会議後の期間）"
        )

        # Decisions' follow-ups, owed materials and closure reviews on the cases dashboard (cases' registry).
        register_due_sources()

        # `make demo`: a year of meetings, after the demo cases (setup_demo runs the steps in order).
        from tsunagu.core.demo import register_demo_step

        from .demo import demo_step

        register_demo_step("meetings", 200, demo_step)

        # The coming sittings' materials: one packet ready, one with agencies' parts missing (one overdue).
        from .material_demo import demo_step as materials_demo_step

        register_demo_step("meeting_materials", 205, materials_demo_step)

        # 連絡帳 (issue 11 part 8): permission, audit words, household panel, demo threads.
        from .notebook_apps import ready_notebook

        ready_notebook()
