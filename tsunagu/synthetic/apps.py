from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    name = "tsunagu.synthetic"
    label = "synthetic"
    verbose_name = "大規模な架空データ（ベンチマーク用）"
