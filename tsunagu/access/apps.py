from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tsunagu.access"
    label = "access"
    verbose_name = "アクセス制御・監査"
