import json
import time

from django.core.management.base import BaseCommand, CommandError

from hack.core.progress import ProgressBar
from hack.matching.encoders import get_encoder
from hack.matching.evaluation import DatasetError, evaluate, load_dataset

METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@50")


class Command(BaseCommand):
    help = (
        "Rank every seed for every need of a judged dataset (matching-dev.json "
        "schema) in memory and print nDCG@10, MRR@10, Recall@10 (grade 3), "
        "Recall@50 (grade ≥ 2) and type accuracy for the production ranker and "
        "the lexical-only and semantic-only baselines. Never writes to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="path to the JSON file")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object instead"
        )

    def handle(self, *args, dataset, json: bool, **options):
        started = time.monotonic()
        try:
            data = load_dataset(dataset)
        except DatasetError as error:
            raise CommandError(str(error)) from error
        # Progress goes to stderr so --json output stays parseable.
        progress = ProgressBar(self.stderr, enabled=options["verbosity"] > 0)
        report = evaluate(data, get_encoder(), progress)
        report["seconds"] = round(time.monotonic() - started, 1)
        if json:
            self.stdout.write(_json(report))
            return
        self.write_table(report)

    def write_table(self, report):
        write = self.stdout.write
        d = report["dataset"]
        write(
            f"Dataset: {d['needs']} needs, {d['seeds']} seeds, {d['qrels']} judgments"
            f" · encoder {report['encoder']} · {report['seconds']} s"
        )
        names = list(report["rankers"])
        write("")
        write(f"{'metric':<30}" + "".join(f"{n:>15}" for n in names))
        rows = [*METRICS, "hard_negatives_above_best", "cross_lingual_good_in_top10"]
        for metric in rows:
            values = [report["rankers"][n][metric] for n in names]
            write(f"{metric:<30}" + "".join(f"{_cell(v):>15}" for v in values))
        write("")
        write("nDCG@10 by field")
        fields = report["rankers"]["production"]["ndcg@10_by_field"]
        for field in fields:
            values = [report["rankers"][n]["ndcg@10_by_field"][field] for n in names]
            write(f"  {field:<28}" + "".join(f"{_cell(v):>15}" for v in values))
        t = report["type_accuracy"]
        write("")
        write(
            f"Type accuracy: {_cell(t['pairs'])} of {t['pairs_judged']} grade-3 pairs; "
            f"need types {_cell(t['needs'])} of {t['needs_judged']} needs"
        )


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _json(report):
    return json.dumps(report, ensure_ascii=False)
