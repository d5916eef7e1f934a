"""What the 連絡帳 registers at start-up (called from MeetingsConfig.ready): its permission, the words the
audit log uses for its records, the household page's panel with the reader's unread counts, and the demo
step that fills the demo city's threads."""

from __future__ import annotations


def ready_notebook() -> None:
    from tsunagu.access.permissions import CASEWORK, register_permission
    from tsunagu.access.targets import register_describer
    from tsunagu.core.demo import register_demo_step
    from tsunagu.people.panels import HouseholdPanelSource, register_household_panel

    from .notebook_demo import demo_step
    from .notebook_household import household_panel

    # Reading and posting: the casework roles; which thread is decided per case / per item by the policies.
    register_permission("meetings.notebook", CASEWORK)
    register_describer("notebook_thread", "連絡帳")
    register_describer("notebook_post", "連絡帳の投稿")
    register_household_panel(
        HouseholdPanelSource(key="meetings.notebook", slot="summary", order=30, build=household_panel)
    )
    # After the meetings' year (200): threads on the demo cases and on the coming sitting's items.
    register_demo_step("notebook", 210, demo_step)
