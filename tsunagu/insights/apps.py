from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "tsunagu.insights"
    label = "insights"
    verbose_name = "分析・報告"

    def ready(self) -> None:
        from tsunagu.access.permissions import register_permission
        from tsunagu.accounts.models import Role

        # The city's workload in counts (insights/workload.py). 管理職 run the program; 束ね役 hold the
        # 多機関協働 caseload and report it to the 支援会議 and 推進会議. Auditors review access, not
        # workload, and window/agency staff have their own lists: least privilege keeps them out.
        register_permission("insights.overview", {Role.MANAGER, Role.COORDINATOR})
