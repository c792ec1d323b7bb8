from django.core.management.base import BaseCommand

from hack.calls.services import run_call_schedule


class Command(BaseCommand):
    help = (
        "Open idea calls whose opening time has come (announce them, move the need "
        "to “open for ideas”) and remind drafters 48 hours before a call closes. "
        "Run it every few minutes from cron; it is idempotent."
    )

    def handle(self, *args, **options):
        done = run_call_schedule()
        self.stdout.write(
            f"opened {done['opened']} call(s), reminded drafters of "
            f"{done['reminded']} call(s)"
        )
