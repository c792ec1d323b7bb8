from django.conf import settings
from django.core.management.base import BaseCommand

from hack.core.progress import ProgressBar
from hack.search.indexing import rebuild


class Command(BaseCommand):
    help = (
        "Index every published need, seed, case study and column for search, and "
        "drop what is no longer published. Batches commit as they go: run it again "
        "to resume; entries already up to date are skipped. With "
        "ELASTICSEARCH_URL, what Elasticsearch has not acknowledged is sent too "
        "(for a full zero-downtime rebuild there, see reindex_elasticsearch)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="write every entry again, even those up to date",
        )
        parser.add_argument("--batch-size", type=int, default=32)

    def handle(self, *args, **options):
        progress = ProgressBar(self.stdout, enabled=options["verbosity"] > 0)
        report = rebuild(
            everything=options["all"],
            batch_size=max(1, options["batch_size"]),
            progress=progress,
        )
        lines = [
            f"{report['pages']} published pages: {report['written']} written, "
            f"{report['retired']} no longer published."
        ]
        if settings.ELASTICSEARCH_URL:
            from hack.search.elastic import sync_pending

            lines.append(f"Elasticsearch: {sync_pending()} entries sent.")
        if options["verbosity"] > 0:  # -v0 for cron: silent unless it fails
            for line in lines:
                self.stdout.write(line)
            self.stdout.write(self.style.SUCCESS("The search index is up to date."))
