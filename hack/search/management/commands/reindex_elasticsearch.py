from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hack.core.elastic import ElasticsearchUnavailable
from hack.core.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Rebuild the Elasticsearch search index without downtime: load every live "
        "search entry into a new index, then move the alias to it and delete the "
        "old one. Progress is kept in the new index, so an interrupted build "
        "continues with --resume. Entries come from the SearchEntry table: run "
        "rebuild_search_index first if pages are missing there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume",
            action="store_true",
            help="continue the last interrupted build instead of starting anew",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        from elasticsearch import ApiError

        from hack.search.elastic_reindex import NothingToResume, reindex

        if not settings.ELASTICSEARCH_URL:
            raise CommandError(
                "ELASTICSEARCH_URL is not set: search runs on the embedded index, "
                "there is nothing to reindex."
            )
        progress = ProgressBar(self.stdout, enabled=options["verbosity"] > 0)
        try:
            report = reindex(
                resume=options["resume"],
                batch_size=max(1, options["batch_size"]),
                progress=progress,
            )
        except NothingToResume:
            self.stdout.write("No interrupted build to resume.")
            return
        except ElasticsearchUnavailable as exc:
            raise CommandError(
                f"Elasticsearch at {settings.ELASTICSEARCH_URL} is unavailable "
                f"({exc}). Nothing was switched; run again with --resume once "
                "it is back."
            ) from exc
        except ApiError as exc:
            raise CommandError(
                f"Elasticsearch refused the reindex: {exc}. Nothing was switched."
            ) from exc
        verb = "Resumed and finished" if report.resumed else "Built"
        self.stdout.write(
            f"{verb} {report.index}: {report.loaded} entries loaded, "
            f"{report.caught_up} changed meanwhile sent again, "
            f"{report.failed} refused (left pending)."
        )
        if report.deleted:
            self.stdout.write(f"Deleted {', '.join(report.deleted)}.")
        self.stdout.write(
            self.style.SUCCESS(f"The alias now points at {report.index}.")
        )
