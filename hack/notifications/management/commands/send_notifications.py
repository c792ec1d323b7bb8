from django.core.management.base import BaseCommand

from hack.notifications.services import DeliveryReport, deliver_pending_emails


def deliver_all(limit: int) -> DeliveryReport:
    """Send every due outbox row in batches; failed rows move into the future
    (backoff), so the loop ends."""
    total = DeliveryReport()
    while True:
        report = deliver_pending_emails(limit=limit)
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if report.sent + report.retrying + report.failed < limit:
            return total


class Command(BaseCommand):
    help = (
        "Send the notification emails that are due: those the web process could "
        "not send and the retries of failed ones (backoff 1 min, 5 min, 30 min, "
        "2 h, 12 h, then given up). Run it every minute or few from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="batch size")

    def handle(self, *args, **options):
        report = deliver_all(max(1, options["limit"]))
        if options["verbosity"] > 0:
            self.stdout.write(
                f"sent {report.sent}, to retry {report.retrying}, "
                f"given up {report.failed}"
            )
