from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "tsunagu.directory"
    label = "directory"
    verbose_name = "支援機関・窓口・会議体"

    def ready(self) -> None:
        # `make demo`: the demo city's community resources, before the apps that rank them (setup_demo).
        from tsunagu.core.demo import register_demo_step

        from .resource_demo import demo_step

        register_demo_step("resources", 50, demo_step)
