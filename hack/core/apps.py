from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hack.core"
    label = "core"
