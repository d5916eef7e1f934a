from django.apps import AppConfig


class MunicipalitiesConfig(AppConfig):
    name = "tsunagu.municipalities"
    label = "municipalities"
    verbose_name = "自治体"
