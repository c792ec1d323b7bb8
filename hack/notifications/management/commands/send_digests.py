from django.core.management.base import BaseCommand

from hack.notifications.models import Frequency
from hack.notifications.services import send_digests

from .send_notifications import deliver_all


class Command(BaseCommand):
    help = (
        "Email each daily or weekly subscriber the new needs and idea calls since "
        "their last digest that match their filters (nothing when there are none). "
        "Safe to run twice: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[Frequency.DAILY.value, Frequency.WEEKLY.value],
        )

    def handle(self, *args, **options):
        queued = send_digests(frequency=options["frequency"])
        report = deliver_all(200)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"{queued} {options['frequency']} digests queued; sent {report.sent}"
            )
