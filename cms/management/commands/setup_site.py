from django.core.management.base import BaseCommand

from cms.services import set_up_site


class Command(BaseCommand):
    help = "Create the home page, the needs and seeds indexes, groups and the workflow."

    def handle(self, *args, **options):
        home = set_up_site()
        self.stdout.write(self.style.SUCCESS(f"Site ready: {home.title}"))
