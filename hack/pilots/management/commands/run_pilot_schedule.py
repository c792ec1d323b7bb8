from django.core.management.base import BaseCommand

from hack.pilots.services import start_due_pilots


class Command(BaseCommand):
    help = (
        "Mark planned pilots whose start date has come (Japan time) as running. "
        "Run it daily from cron (and after a restore); it is idempotent."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"started {start_due_pilots()} pilot(s)")
