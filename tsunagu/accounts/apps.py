from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tsunagu.accounts"
    label = "accounts"
    verbose_name = "職員アカウント"

    def ready(self) -> None:
        from . import signals

        signals.connect()
