from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "tsunagu.insights"
    verbose_name = "分析・報告"
