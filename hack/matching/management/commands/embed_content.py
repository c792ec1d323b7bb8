from django.core.management.base import BaseCommand, CommandError

from hack.core.elastic import is_configured
from hack.core.progress import ProgressBar
from hack.matching.elastic import push_embeddings
from hack.matching.encoders import get_encoder
from hack.matching.engine import get_corpora
from hack.matching.indexing import embed_pages, pages_to_embed, retire_unpublished
from hack.matching.models import Embedding, Match
from hack.matching.suggestions import refresh_suggestions_for_need


class Command(BaseCommand):
    help = (
        "Embed every published need and seed that has no embedding under the "
        "configured model (MATCHING_ENCODER / MATCHING_MODEL), then refresh the "
        "suggestions. Batches commit as they go: run it again to resume. After "
        "changing the model, this re-embeds everything."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="re-check every published item, not only those missing",
        )
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument(
            "--elasticsearch",
            action="store_true",
            help="also send every current embedding to Elasticsearch's matching "
            "index (after an outage, or to fill a new cluster)",
        )
        parser.add_argument(
            "--no-suggestions",
            action="store_true",
            help="only embed; do not refresh the suggestions",
        )

    def handle(self, *args, **options):
        encoder = get_encoder()
        progress = ProgressBar(self.stdout, enabled=options["verbosity"] > 0)
        retired = retire_unpublished(encoder=encoder)
        pages = pages_to_embed(encoder=encoder, everything=options["all"])
        self.stdout.write(
            f"Model {encoder.name}: {len(pages)} to embed, "
            f"{retired} no longer published."
        )
        embed_pages(
            pages, encoder=encoder, batch_size=options["batch_size"], progress=progress
        )
        if options["elasticsearch"]:
            self._send_to_elasticsearch(encoder, progress)
        if options["no_suggestions"]:
            return
        nothing_changed = not pages and not retired and Match.objects.exists()
        if nothing_changed and not options["all"]:
            self.stdout.write(self.style.SUCCESS("Matching is up to date."))
            return
        corpora = get_corpora()
        need_ids = sorted(corpora.needs.index.keys())
        for done, need_id in enumerate(need_ids, start=1):
            refresh_suggestions_for_need(need_id=need_id, corpora=corpora)
            progress("suggestions", done, len(need_ids))
        self.stdout.write(self.style.SUCCESS("Matching is up to date."))

    def _send_to_elasticsearch(self, encoder, progress, batch_size=320):
        if not is_configured():
            raise CommandError("ELASTICSEARCH_URL is not set.")
        current = list(
            Embedding.objects.filter(model_name=encoder.name, is_current=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sent = 0
        for start in range(0, len(current), batch_size):
            chunk = current[start : start + batch_size]
            sent += push_embeddings(list(Embedding.objects.filter(pk__in=chunk)))
            progress("elasticsearch", start + len(chunk), len(current))
        self.stdout.write(f"Elasticsearch: {sent} of {len(current)} embeddings sent.")
